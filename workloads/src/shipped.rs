//! The scenarios the suite ships, compiled into the crate so that the program
//! finds them from any directory.

/// (name, text) of every shipped scenario, in report order.
pub const SHIPPED: [(&str, &str); 7] = [
    ("temp-watch", include_str!("../scenarios/temp-watch.toml")),
    (
        "indexer-scan",
        include_str!("../scenarios/indexer-scan.toml"),
    ),
    ("event-storm", include_str!("../scenarios/event-storm.toml")),
    (
        "stalled-reader",
        include_str!("../scenarios/stalled-reader.toml"),
    ),
    (
        "oversubscribed",
        include_str!("../scenarios/oversubscribed.toml"),
    ),
    (
        "inode-eviction",
        include_str!("../scenarios/inode-eviction.toml"),
    ),
    ("multi-group", include_str!("../scenarios/multi-group.toml")),
];

/// The shipped names, in report order.
pub fn names() -> impl Iterator<Item = &'static str> {
    SHIPPED.iter().map(|(name, _)| *name)
}

/// The file a shipped scenario comes from, and its text.
pub(crate) fn lookup(name: &str) -> Option<(String, &'static str)> {
    let (name, text) = SHIPPED.iter().find(|(n, _)| *n == name)?;
    Some((format!("workloads/scenarios/{name}.toml"), text))
}
