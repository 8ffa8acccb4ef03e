//! STIX 2.1 vocabularies (section 10) and closed enumerations.
//!
//! Open vocabularies are SHOULD-level: a value outside them is accepted with a warning. Closed
//! enumerations (the `enum` type) are MUST-level.

pub const ATTACK_MOTIVATION: &[&str] = &[
    "accidental", "coercion", "dominance", "ideology", "notoriety", "organizational-gain", "personal-gain",
    "personal-satisfaction", "revenge", "unpredictable",
];
pub const ATTACK_RESOURCE_LEVEL: &[&str] = &["individual", "club", "contest", "team", "organization", "government"];
pub const GROUPING_CONTEXT: &[&str] = &["suspicious-activity", "malware-analysis", "unspecified"];
pub const IDENTITY_CLASS: &[&str] = &["individual", "group", "system", "organization", "class", "unknown"];
pub const IMPLEMENTATION_LANGUAGE: &[&str] = &[
    "applescript", "bash", "c", "c++", "c#", "go", "java", "javascript", "lua", "objective-c", "perl", "php",
    "powershell", "python", "ruby", "scala", "swift", "typescript", "visual-basic", "x86-32", "x86-64",
];
pub const INDICATOR_TYPE: &[&str] = &[
    "anomalous-activity", "anonymization", "benign", "compromised", "malicious-activity", "attribution", "unknown",
];
pub const INDUSTRY_SECTOR: &[&str] = &[
    "agriculture", "aerospace", "automotive", "chemical", "commercial", "communications", "construction", "defense",
    "education", "energy", "entertainment", "financial-services", "government", "emergency-services",
    "government-local", "government-national", "government-public-services", "government-regional", "healthcare",
    "hospitality-leisure", "infrastructure", "dams", "nuclear", "water", "insurance", "manufacturing", "mining",
    "non-profit", "pharmaceuticals", "retail", "technology", "telecommunications", "transportation", "utilities",
];
pub const INFRASTRUCTURE_TYPE: &[&str] = &[
    "amplification", "anonymization", "botnet", "command-and-control", "control-system", "exfiltration", "firewall",
    "hosting-malware", "hosting-target-lists", "phishing", "reconnaissance", "routers-switches", "staging",
    "workstation", "unknown",
];
pub const MALWARE_RESULT: &[&str] = &["malicious", "suspicious", "benign", "unknown"];
pub const MALWARE_TYPE: &[&str] = &[
    "adware", "backdoor", "bot", "bootkit", "ddos", "downloader", "dropper", "exploit-kit", "keylogger", "ransomware",
    "remote-access-trojan", "resource-exploitation", "rogue-security-software", "rootkit", "screen-capture", "spyware",
    "trojan", "unknown", "virus", "webshell", "wiper", "worm",
];
pub const MALWARE_CAPABILITIES: &[&str] = &[
    "accesses-remote-machines", "anti-debugging", "anti-disassembly", "anti-emulation", "anti-memory-forensics",
    "anti-sandbox", "anti-vm", "captures-input-peripherals", "captures-output-peripherals",
    "captures-system-state-data", "cleans-traces-of-infection", "commits-fraud", "communicates-with-c2",
    "compromises-data-availability", "compromises-data-integrity", "compromises-system-availability",
    "controls-local-machine", "degrades-security-software", "degrades-system-updates", "determines-c2-server",
    "emails-spam", "escalates-privileges", "evades-av", "exfiltrates-data", "fingerprints-host", "hides-artifacts",
    "hides-executing-code", "infects-files", "infects-remote-machines", "installs-other-components",
    "persists-after-system-reboot", "prevents-artifact-access", "prevents-artifact-deletion",
    "probes-network-environment", "self-modifies", "steals-authentication-credentials",
    "violates-system-operational-integrity",
];
pub const PATTERN_TYPE: &[&str] = &["stix", "pcre", "sigma", "snort", "suricata", "yara"];
pub const PROCESSOR_ARCHITECTURE: &[&str] = &["alpha", "arm", "ia-64", "mips", "powerpc", "sparc", "x86", "x86-64"];
pub const REGION: &[&str] = &[
    "africa", "eastern-africa", "middle-africa", "northern-africa", "southern-africa", "western-africa", "americas",
    "latin-america-caribbean", "south-america", "caribbean", "central-america", "northern-america", "asia",
    "central-asia", "eastern-asia", "southern-asia", "south-eastern-asia", "western-asia", "europe",
    "eastern-europe", "northern-europe", "southern-europe", "western-europe", "oceania", "australia-new-zealand",
    "melanesia", "micronesia", "polynesia", "antarctica",
];
pub const REPORT_TYPE: &[&str] = &[
    "attack-pattern", "campaign", "identity", "indicator", "intrusion-set", "malware", "observed-data",
    "threat-actor", "threat-report", "tool", "vulnerability",
];
pub const THREAT_ACTOR_TYPE: &[&str] = &[
    "activist", "competitor", "crime-syndicate", "criminal", "hacker", "insider-accidental", "insider-disgruntled",
    "nation-state", "sensationalist", "spy", "terrorist", "unknown",
];
pub const THREAT_ACTOR_ROLE: &[&str] = &[
    "agent", "director", "independent", "infrastructure-architect", "infrastructure-operator", "malware-author",
    "sponsor",
];
pub const THREAT_ACTOR_SOPHISTICATION: &[&str] =
    &["none", "minimal", "intermediate", "advanced", "expert", "innovator", "strategic"];
pub const TOOL_TYPE: &[&str] = &[
    "denial-of-service", "exploitation", "information-gathering", "network-capture", "credential-exploitation",
    "remote-access", "vulnerability-scanning", "unknown",
];
pub const HASH_ALGORITHM: &[&str] = &["MD5", "SHA-1", "SHA-256", "SHA-512", "SHA3-256", "SHA3-512", "SSDEEP", "TLSH"];
pub const WINDOWS_PEBINARY_TYPE: &[&str] = &["exe", "dll", "sys"];
pub const ACCOUNT_TYPE: &[&str] = &[
    "facebook", "ldap", "nis", "openid", "radius", "skype", "tacacs", "twitter", "unix", "windows-local",
    "windows-domain",
];
pub const EXTENSION_TYPE: &[&str] =
    &["new-sdo", "new-sco", "new-sro", "property-extension", "toplevel-property-extension"];
pub const OPINION: &[&str] = &["strongly-disagree", "disagree", "neutral", "agree", "strongly-agree"];
pub const ENCRYPTION_ALGORITHM: &[&str] = &["AES-256-GCM", "ChaCha20-Poly1305", "mime-type-indicated"];
pub const NETWORK_SOCKET_ADDRESS_FAMILY: &[&str] =
    &["AF_UNSPEC", "AF_INET", "AF_IPX", "AF_APPLETALK", "AF_NETBIOS", "AF_INET6", "AF_IRDA", "AF_BTH"];
pub const NETWORK_SOCKET_TYPE: &[&str] = &["SOCK_STREAM", "SOCK_DGRAM", "SOCK_RAW", "SOCK_RDM", "SOCK_SEQPACKET"];
pub const WINDOWS_INTEGRITY_LEVEL: &[&str] = &["low", "medium", "high", "system"];
pub const WINDOWS_SERVICE_START_TYPE: &[&str] = &[
    "SERVICE_AUTO_START", "SERVICE_BOOT_START", "SERVICE_DEMAND_START", "SERVICE_DISABLED", "SERVICE_SYSTEM_ALERT",
];
pub const WINDOWS_SERVICE_TYPE: &[&str] = &[
    "SERVICE_KERNEL_DRIVER", "SERVICE_FILE_SYSTEM_DRIVER", "SERVICE_WIN32_OWN_PROCESS", "SERVICE_WIN32_SHARE_PROCESS",
];
pub const WINDOWS_SERVICE_STATUS: &[&str] = &[
    "SERVICE_CONTINUE_PENDING", "SERVICE_PAUSE_PENDING", "SERVICE_PAUSED", "SERVICE_RUNNING", "SERVICE_START_PENDING",
    "SERVICE_STOP_PENDING", "SERVICE_STOPPED",
];
pub const WINDOWS_REGISTRY_DATATYPE: &[&str] = &[
    "REG_NONE", "REG_SZ", "REG_EXPAND_SZ", "REG_BINARY", "REG_DWORD", "REG_DWORD_BIG_ENDIAN",
    "REG_DWORD_LITTLE_ENDIAN", "REG_LINK", "REG_MULTI_SZ", "REG_RESOURCE_LIST", "REG_FULL_RESOURCE_DESCRIPTION",
    "REG_RESOURCE_REQUIREMENTS_LIST", "REG_QWORD", "REG_INVALID_TYPE",
];
pub const MARKING_DEFINITION_TYPE: &[&str] = &["statement", "tlp"];

/// The four TLP 1.0 marking definitions (STIX 2.1 section 7.2.1.4): id and `tlp` value.
pub const TLP1: &[(&str, &str)] = &[
    ("marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", "white"),
    ("marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", "green"),
    ("marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", "amber"),
    ("marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", "red"),
];
/// `created` of the TLP 1.0 marking definitions.
pub const TLP1_CREATED: &str = "2017-01-20T00:00:00.000Z";
