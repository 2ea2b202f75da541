// The state database schema. Bump `version` and add a migration step when it changes.
import HiveOCI
import HivePlatform

enum Schema {
    static let version = 11

    static let v1 = """
    CREATE TABLE IF NOT EXISTS meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS layers (
        chain_id TEXT PRIMARY KEY CHECK (length(chain_id) = 64),
        diff_id TEXT NOT NULL CHECK (length(diff_id) = 64),
        parent TEXT CHECK (parent IS NULL OR length(parent) = 64),
        size INTEGER NOT NULL CHECK (size >= 0)
    );
    CREATE TABLE IF NOT EXISTS images (
        id TEXT PRIMARY KEY CHECK (length(id) = 64),
        manifest_digest TEXT NOT NULL CHECK (length(manifest_digest) = 64),
        manifest_media_type TEXT NOT NULL,
        created INTEGER NOT NULL,
        size INTEGER NOT NULL CHECK (size >= 0),
        added INTEGER NOT NULL,
        last_used INTEGER,
        parent TEXT,
        labels TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TABLE IF NOT EXISTS image_layers (
        image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL CHECK (idx >= 0),
        chain_id TEXT NOT NULL REFERENCES layers(chain_id),
        PRIMARY KEY (image_id, idx)
    );
    CREATE INDEX IF NOT EXISTS image_layers_chain ON image_layers(chain_id);
    CREATE TABLE IF NOT EXISTS image_blobs (
        image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
        digest TEXT NOT NULL CHECK (length(digest) = 64),
        PRIMARY KEY (image_id, digest)
    );
    CREATE INDEX IF NOT EXISTS image_blobs_digest ON image_blobs(digest);
    CREATE TABLE IF NOT EXISTS tags (
        name TEXT PRIMARY KEY CHECK (length(name) > 0),
        image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
        tagged INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS tags_image ON tags(image_id);
    """

    static func needsMigration(_ db: Database) throws(HiveError) -> Bool {
        let v = try db.prepare("PRAGMA user_version").all { $0.int(0) }.first ?? 0
        if v > Int64(version) {
            throw HiveError(.invalidArgument, "the state database \(db.path) has schema version \(v), newer than this hive understands (\(version)); upgrade hive")
        }
        return v != Int64(version)
    }

    static let v2 = """
    CREATE TABLE IF NOT EXISTS containers (
        id TEXT PRIMARY KEY CHECK (length(id) = 64),
        name TEXT NOT NULL UNIQUE CHECK (length(name) > 0),
        image_id TEXT NOT NULL CHECK (length(image_id) = 64),
        image_name TEXT NOT NULL,
        config TEXT NOT NULL,
        created INTEGER NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('created', 'running', 'exited')),
        pid INTEGER,
        pid_start INTEGER,
        started INTEGER,
        finished INTEGER,
        exit_code INTEGER
    );
    CREATE INDEX IF NOT EXISTS containers_image ON containers(image_id);
    """

    static let v3 = """
    CREATE TABLE IF NOT EXISTS volumes (
        name TEXT PRIMARY KEY CHECK (length(name) > 0),
        created INTEGER NOT NULL,
        labels TEXT NOT NULL DEFAULT '{}',
        anonymous INTEGER NOT NULL DEFAULT 0 CHECK (anonymous IN (0, 1))
    );
    CREATE TABLE IF NOT EXISTS container_volumes (
        container_id TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,
        volume TEXT NOT NULL REFERENCES volumes(name),
        PRIMARY KEY (container_id, volume)
    );
    CREATE INDEX IF NOT EXISTS container_volumes_volume ON container_volumes(volume);
    """

    /// What `ps` shows, kept out of the JSON spec so listing 500 containers decodes nothing.
    static let v4 = [
        "ALTER TABLE containers ADD COLUMN command TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE containers ADD COLUMN labels TEXT NOT NULL DEFAULT '{}'",
    ]

    /// The build cache: a step's key (parent state, instruction, arguments,
    /// content digests of copied files) -> the image it produced (dropped in v9).
    static let v5 = """
    CREATE TABLE IF NOT EXISTS build_cache (
        key TEXT PRIMARY KEY CHECK (length(key) = 64),
        image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
        created INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS build_cache_image ON build_cache(image_id);
    """

    /// What registries know an image and its layers by (issue #12): the
    /// manifest digest per repository (`RepoDigests`: set by pull and push),
    /// and each layer's compressed blobs (a pulled layer's, or one a push
    /// made), so a push skips, mounts or reuses a blob without compressing
    /// the layer again. `repository` is where the blob was seen ('' if only
    /// made here).
    static let v6 = """
    CREATE TABLE IF NOT EXISTS repo_digests (
        image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
        repository TEXT NOT NULL CHECK (length(repository) > 0),
        digest TEXT NOT NULL CHECK (length(digest) = 64),
        PRIMARY KEY (image_id, repository)
    );
    CREATE TABLE IF NOT EXISTS layer_blobs (
        diff_id TEXT NOT NULL CHECK (length(diff_id) = 64),
        digest TEXT NOT NULL CHECK (length(digest) = 64),
        media_type TEXT NOT NULL,
        size INTEGER NOT NULL CHECK (size >= 0),
        repository TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (diff_id, digest, repository)
    );
    CREATE INDEX IF NOT EXISTS layer_blobs_digest ON layer_blobs(digest);
    """

    /// Networks and their endpoints (issue #13; HiveNetwork's NetworkRecords.swift
    /// reads and writes them). An endpoint is a container on a network while
    /// it runs (or starts): its addresses, MAC, aliases (JSON array), veths,
    /// and the process holding it (the CLI while it sets up, then the
    /// container's init): a row whose holder is gone is stale and reclaimed.
    /// No foreign key to containers: a row may outlive its container after a
    /// `kill -9`, until reconciled. Published ports have a table of their own
    /// (published_ports) so a clash is a constraint, not a race; the older
    /// endpoints.ports column is unused and keeps its default '[]'.
    static let v7 = """
    CREATE TABLE IF NOT EXISTS networks (
        id TEXT PRIMARY KEY CHECK (length(id) = 64),
        name TEXT NOT NULL UNIQUE CHECK (length(name) > 0),
        driver TEXT NOT NULL,
        bridge TEXT NOT NULL UNIQUE CHECK (length(bridge) > 0 AND length(bridge) < 16),
        subnet TEXT NOT NULL,
        gateway TEXT NOT NULL,
        ip_range TEXT,
        subnet6 TEXT,
        gateway6 TEXT,
        internal INTEGER NOT NULL DEFAULT 0 CHECK (internal IN (0, 1)),
        labels TEXT NOT NULL DEFAULT '{}',
        options TEXT NOT NULL DEFAULT '{}',
        created INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS endpoints (
        container_id TEXT NOT NULL CHECK (length(container_id) = 64),
        network_id TEXT NOT NULL REFERENCES networks(id),
        ipv4 TEXT,
        ipv6 TEXT,
        mac TEXT NOT NULL,
        aliases TEXT NOT NULL DEFAULT '[]',
        host_interface TEXT NOT NULL,
        interface TEXT NOT NULL,
        ports TEXT NOT NULL DEFAULT '[]',
        holder_pid INTEGER NOT NULL,
        holder_start INTEGER NOT NULL,
        PRIMARY KEY (container_id, network_id)
    );
    CREATE INDEX IF NOT EXISTS endpoints_network ON endpoints(network_id);
    CREATE UNIQUE INDEX IF NOT EXISTS endpoints_ipv4 ON endpoints(network_id, ipv4) WHERE ipv4 IS NOT NULL;
    CREATE UNIQUE INDEX IF NOT EXISTS endpoints_ipv6 ON endpoints(network_id, ipv6) WHERE ipv6 IS NOT NULL;
    CREATE TABLE IF NOT EXISTS published_ports (
        proto TEXT NOT NULL CHECK (proto IN ('tcp', 'udp')),
        host_ip TEXT NOT NULL,
        host_port INTEGER NOT NULL CHECK (host_port > 0 AND host_port < 65536),
        container_id TEXT NOT NULL CHECK (length(container_id) = 64),
        network_id TEXT NOT NULL,
        container_port INTEGER NOT NULL,
        PRIMARY KEY (proto, host_ip, host_port)
    );
    CREATE INDEX IF NOT EXISTS published_ports_container ON published_ports(container_id);
    """

    /// Services (issue #14): a container's restarts so far, whether its
    /// monitor is waiting to restart it, and the monitor itself (pid and
    /// start time, /proc/PID/stat field 22) while it lives.
    static let v8 = [
        "ALTER TABLE containers ADD COLUMN restart_count INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE containers ADD COLUMN restarting INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE containers ADD COLUMN monitor_pid INTEGER",
        "ALTER TABLE containers ADD COLUMN monitor_start INTEGER",
    ]

    /// The build cache as records, not images (issue #16;
    /// BuildCacheRecords.swift): a step's key -> the stage's state after it
    /// (config, layers with their blobs), the layer it made, the image a
    /// final state made; last use for `builder prune` and gc. The old
    /// key -> intermediate image table goes: those images stay as ordinary
    /// untagged images, which prune removes.
    static let v9 = """
    CREATE TABLE IF NOT EXISTS build_records (
        key TEXT PRIMARY KEY CHECK (length(key) = 64),
        description TEXT NOT NULL,
        config TEXT NOT NULL,
        layer TEXT CHECK (layer IS NULL OR length(layer) = 64),
        image TEXT CHECK (image IS NULL OR length(image) = 64),
        created INTEGER NOT NULL,
        last_used INTEGER NOT NULL,
        usage_count INTEGER NOT NULL DEFAULT 1
    );
    CREATE TABLE IF NOT EXISTS build_record_layers (
        key TEXT NOT NULL REFERENCES build_records(key) ON DELETE CASCADE,
        idx INTEGER NOT NULL CHECK (idx >= 0),
        chain_id TEXT NOT NULL REFERENCES layers(chain_id),
        media_type TEXT NOT NULL,
        digest TEXT NOT NULL CHECK (length(digest) = 64),
        blob_size INTEGER NOT NULL CHECK (blob_size >= 0),
        PRIMARY KEY (key, idx)
    );
    CREATE INDEX IF NOT EXISTS build_record_layers_chain ON build_record_layers(chain_id);
    CREATE INDEX IF NOT EXISTS build_record_layers_digest ON build_record_layers(digest);
    DROP TABLE IF EXISTS build_cache;
    """

    /// A stopped container's writable-layer bytes (issue #16: `system df`
    /// walks only running containers' upper directories). NULL: unknown.
    static let v10 = "ALTER TABLE containers ADD COLUMN writable_size INTEGER"

    /// A network's IPAM settings beyond its subnets (`--aux-address`, `--ipam-opt`), as string maps.
    static let v11 = [
        "ALTER TABLE networks ADD COLUMN aux_addresses TEXT NOT NULL DEFAULT '{}'",
        "ALTER TABLE networks ADD COLUMN ipam_options TEXT NOT NULL DEFAULT '{}'",
    ]

    /// Creates or checks the schema. A database written by a newer hive is refused.
    static func migrate(_ db: Database) throws(HiveError) {
        let v = try db.prepare("PRAGMA user_version").all { $0.int(0) }.first ?? 0
        if v == Int64(version) { return }
        if v > Int64(version) {
            throw HiveError(.invalidArgument, "the state database \(db.path) has schema version \(v), newer than this hive understands (\(version)); upgrade hive")
        }
        try db.transaction { () throws(HiveError) in
            // Re-check under the write lock: another process may have migrated.
            let now = try db.prepare("PRAGMA user_version").all { $0.int(0) }.first ?? 0
            if now == Int64(version) { return }
            try db.exec(v1)
            try db.exec(v2)
            try db.exec(v3)
            let cols = try db.prepare("PRAGMA table_info(containers)").all([]) { $0.text(1) }
            if !cols.contains("command") { for stmt in v4 { try db.exec(stmt) } }
            try db.exec(v5)
            try db.exec(v6)
            try db.exec(v7)
            if !cols.contains("restart_count") { for stmt in v8 { try db.exec(stmt) } }
            try db.exec(v9)
            if !cols.contains("writable_size") { try db.exec(v10) }
            let netCols = try db.prepare("PRAGMA table_info(networks)").all([]) { $0.text(1) }
            if !netCols.contains("aux_addresses") { for stmt in v11 { try db.exec(stmt) } }
            try db.exec("PRAGMA user_version = \(version)")
        }
    }
}
