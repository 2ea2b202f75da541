// A stored tag shown as Docker shows it (`docker.io/library/busybox:latest`
// is `busybox:latest`): every event and listing names images this way.

/// Shows a fully qualified tag name as Docker does (`busybox:latest`).
public func familiarName(_ full: String) -> String {
    // one command names the same image in every event it logs: parse it once
    if full == FamiliarNames.lastFull { return FamiliarNames.lastFamiliar }
    let f = (try? Reference(parsing: full))?.familiar ?? full
    FamiliarNames.lastFull = full
    FamiliarNames.lastFamiliar = f
    return f
}

private enum FamiliarNames {
    nonisolated(unsafe) static var lastFull = ""
    nonisolated(unsafe) static var lastFamiliar = ""
}
