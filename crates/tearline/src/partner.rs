//! `tearline partner ...`: operator commands over the same service functions as
//! `/api/v1/partners`.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use tearline_service::partners::{self, PartnerInput};
use tearline_service::Actor;
use tearline_store::{Partner, Store};

#[derive(Subcommand)]
pub enum PartnerCmd {
    /// Add a partner organisation (and its delivery collection).
    Add {
        name: String,
        #[command(flatten)]
        fields: Fields,
    },
    /// Change a partner; only the given fields change.
    Update {
        name: String,
        #[command(flatten)]
        fields: Fields,
    },
    /// Remove a partner: its members lose access at once; what it received stays on record.
    Remove { name: String },
    /// List partners.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show one partner.
    Show {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Manage a partner's member accounts.
    #[command(subcommand)]
    Member(MemberCmd),
}

#[derive(Subcommand)]
pub enum MemberCmd {
    /// Create a member account; prints its secret alone on the last line.
    Add { partner: String, name: String },
}

#[derive(Args)]
pub struct Fields {
    /// Organisation name as shown to people.
    #[arg(long)]
    title: Option<String>,
    /// ISO 3166-1 alpha-3 country code (required on add).
    #[arg(long)]
    country: Option<String>,
    /// The partner's STIX identity id (generated when omitted).
    #[arg(long)]
    identity: Option<String>,
    /// Sectors (comma-separated).
    #[arg(long, value_delimiter = ',')]
    sectors: Option<Vec<String>>,
    /// 1 (closest) to 5 (least trusted).
    #[arg(long)]
    trust_tier: Option<u8>,
    /// Relationship flags (comma-separated): hostile, not-recognised, designated, sanctioned, no-diplomatic-relations.
    #[arg(long, value_delimiter = ',')]
    flags: Option<Vec<String>>,
    /// Organisations the partner may share TLP:AMBER with (comma-separated).
    #[arg(long, value_delimiter = ',')]
    clients: Option<Vec<String>>,
    /// Communities the partner may share TLP:GREEN with (comma-separated).
    #[arg(long, value_delimiter = ',')]
    communities: Option<Vec<String>>,
}

impl Fields {
    fn into_input(self, name: Option<String>) -> PartnerInput {
        PartnerInput {
            name,
            title: self.title,
            identity_id: self.identity,
            country: self.country,
            sectors: self.sectors,
            trust_tier: self.trust_tier,
            flags: self.flags,
            clients: self.clients,
            communities: self.communities,
        }
    }
}

fn print(p: &Partner) {
    let pr = &p.profile;
    println!("name:        {}", pr.name);
    println!("title:       {}", pr.title);
    println!("identity:    {}", pr.identity_id);
    println!("country:     {}", pr.country);
    println!("sectors:     {}", pr.sectors.join(", "));
    println!("trust tier:  {}", pr.trust_tier);
    println!("flags:       {}", pr.flags.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(", "));
    println!("clients:     {}", pr.clients.join(", "));
    println!("communities: {}", pr.communities.join(", "));
    println!("collection:  {} (API root partners)", p.collection_id);
    println!("members:     {}", p.members.join(", "));
    println!("state:       {}", if p.removed { "removed" } else { "active" });
}

pub async fn run(store: &dyn Store, cmd: PartnerCmd) -> anyhow::Result<ExitCode> {
    let op = Actor::Operator;
    match cmd {
        PartnerCmd::Add { name, fields } => {
            let p = partners::add(store, &op, fields.into_input(Some(name))).await?;
            eprintln!("partner '{}' added; deliveries go to collection {}", p.profile.name, p.collection_id);
            println!("{}", p.profile.name);
        }
        PartnerCmd::Update { name, fields } => {
            let p = partners::update(store, &op, &name, fields.into_input(None)).await?;
            print(&p);
        }
        PartnerCmd::Remove { name } => {
            partners::remove(store, &op, &name).await?;
            eprintln!("partner '{name}' removed; its members can no longer log in");
        }
        PartnerCmd::List { json } => {
            let list = partners::list(store, &op).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                println!("{:<20} {:<8} {:<5} {:<30} {:<8} title", "name", "country", "tier", "flags", "state");
                for p in list {
                    let pr = &p.profile;
                    let flags = pr.flags.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(",");
                    println!("{:<20} {:<8} {:<5} {:<30} {:<8} {}", pr.name, pr.country, pr.trust_tier, flags, if p.removed { "removed" } else { "active" }, pr.title);
                }
            }
        }
        PartnerCmd::Show { name, json } => {
            let p = partners::show(store, &op, &name).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&p)?);
            } else {
                print(&p);
            }
        }
        PartnerCmd::Member(MemberCmd::Add { partner, name }) => {
            let (acct, secret) = partners::add_member(store, &op, &partner, &name).await?;
            eprintln!("member account '{}' of partner '{partner}' created; its secret is shown once, below", acct.name);
            println!("{secret}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
