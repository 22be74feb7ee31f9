// Schema migrations, applied in order; never edit a released one, append a new one.
export const MIGRATIONS: string[] = [
  `
  -- Snapshots (snapshot/overlay.ts): committed layers keyed by chain ID and active rw layers.
  CREATE TABLE snapshots (
    key        TEXT PRIMARY KEY,
    id         INTEGER NOT NULL UNIQUE,      -- directory number under <root>/overlay/
    parent     TEXT REFERENCES snapshots(key),
    kind       TEXT NOT NULL CHECK (kind IN ('committed', 'active')),
    created_at TEXT NOT NULL
  );

  -- Layers (image/layers.ts): a committed snapshot plus what describes it as a tar diff.
  CREATE TABLE layers (
    chain_id   TEXT PRIMARY KEY REFERENCES snapshots(key),
    diff_id    TEXT NOT NULL,
    parent     TEXT REFERENCES layers(chain_id),
    size       INTEGER NOT NULL,              -- bytes of the unpacked diff (Docker's layer size)
    tar_size   INTEGER NOT NULL,              -- bytes of the uncompressed tar (for save headers)
    tar_split  BLOB NOT NULL,                 -- gzipped tar-split: rebuilds the exact tar bytes
    created_at TEXT NOT NULL
  );
  CREATE INDEX layers_diff_id ON layers(diff_id);

  -- Compressed blobs known to hold a diff ID (from a registry, a load, or a push).
  CREATE TABLE layer_blobs (
    diff_id    TEXT NOT NULL,
    digest     TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size       INTEGER NOT NULL,
    PRIMARY KEY (diff_id, digest)
  );

  -- Images: the ID is the config digest; the config itself is in the content store.
  CREATE TABLE images (
    id          TEXT PRIMARY KEY,
    top_layer   TEXT REFERENCES layers(chain_id),  -- NULL for an image with no layers
    parent      TEXT,                               -- local parent image (builds, commits)
    created_at  TEXT NOT NULL,                      -- when this engine stored it
    last_tagged TEXT
  );

  CREATE TABLE tags (
    ref        TEXT PRIMARY KEY,                    -- normalized "docker.io/library/busybox:latest"
    image_id   TEXT NOT NULL REFERENCES images(id),
    created_at TEXT NOT NULL
  );
  CREATE INDEX tags_image ON tags(image_id);

  CREATE TABLE repo_digests (
    ref             TEXT PRIMARY KEY,               -- "docker.io/library/busybox@sha256:..."
    image_id        TEXT NOT NULL REFERENCES images(id),
    manifest_digest TEXT NOT NULL
  );
  CREATE INDEX repo_digests_image ON repo_digests(image_id);
  `,
  `
  -- Containers (container/records.ts): the authoritative record of each container. The JSON
  -- record holds config, host config and state; id, name and image are columns for lookups
  -- and for the name's uniqueness.
  CREATE TABLE containers (
    id         TEXT PRIMARY KEY,                    -- 64 hex digits
    name       TEXT NOT NULL UNIQUE,                -- "/name"
    image_id   TEXT NOT NULL,                       -- "sha256:..."
    created_at TEXT NOT NULL,
    record     TEXT NOT NULL
  );
  CREATE INDEX containers_image ON containers(image_id);
  `,
  `
  -- Networks (network/records.ts): one JSON record per network, the name unique.
  CREATE TABLE networks (
    id         TEXT PRIMARY KEY,                    -- 64 hex digits
    name       TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    record     TEXT NOT NULL
  );

  -- A container's wish to be on a network (create's EndpointsConfig, connect), kept while the
  -- container exists; endpoint is the live endpoint (JSON) while its networking is set up.
  CREATE TABLE network_attachments (
    container_id TEXT NOT NULL,
    network_id   TEXT NOT NULL,
    network_name TEXT NOT NULL,                     -- for messages once the network is gone
    seq          INTEGER NOT NULL,                  -- connection order: eth0, eth1, ...
    config       TEXT NOT NULL,                     -- requested EndpointSettings
    endpoint     TEXT,
    PRIMARY KEY (container_id, network_id)
  );
  CREATE INDEX network_attachments_network ON network_attachments(network_id);

  -- IPv4 addresses handed to containers' endpoints; one holder per address and network.
  CREATE TABLE ip_leases (
    network_id   TEXT NOT NULL,
    address      TEXT NOT NULL,
    container_id TEXT NOT NULL,
    PRIMARY KEY (network_id, address)
  );
  CREATE INDEX ip_leases_container ON ip_leases(container_id);

  -- Network namespaces made for containers (written before the data plane makes one, so a
  -- crash half-way is found and undone at start-up).
  CREATE TABLE network_sandboxes (
    container_id TEXT PRIMARY KEY,
    netns_path   TEXT NOT NULL
  );
  `,
  `
  -- Volumes (volume/records.ts): name, driver and what it was created with. The data lives
  -- in the driver's storage (<data-root>/volumes/<name>/_data for local); references are the
  -- containers' mount points, so nothing here counts them.
  CREATE TABLE volumes (
    name       TEXT PRIMARY KEY,
    driver     TEXT NOT NULL,
    created_at TEXT NOT NULL,                      -- RFC 3339
    labels     TEXT NOT NULL,                      -- JSON object
    options    TEXT NOT NULL                       -- JSON object (driver options)
  );
  `,
  `
  -- Registry repositories known to hold a blob (registry/push-sources.ts, dockerd's v2
  -- metadata): written when a push or pull moves the blob, read by push for existence checks
  -- and cross-repository mounts. The diff ID a blob holds is in layer_blobs.
  CREATE TABLE blob_sources (
    digest     TEXT NOT NULL,
    repository TEXT NOT NULL,                      -- full name: "127.0.0.1:5000/library/busybox"
    seen_at    TEXT NOT NULL,                      -- RFC 3339; newest first as mount candidates
    PRIMARY KEY (digest, repository)
  );
  `,
  `
  -- The build cache (build/cache.ts): a step's key (parent image, instruction, files copied)
  -- → the image it made. Images stay in the images table; a record whose image is gone is
  -- a miss and is dropped.
  CREATE TABLE build_cache (
    key          TEXT PRIMARY KEY,                 -- sha256 hex of the step's inputs
    image_id     TEXT NOT NULL,
    parent_id    TEXT,                             -- the image the step ran on
    description  TEXT NOT NULL,                    -- the instruction, for builder prune/df
    created_at   TEXT NOT NULL,
    last_used_at TEXT NOT NULL,
    usage_count  INTEGER NOT NULL DEFAULT 1
  );
  CREATE INDEX build_cache_image ON build_cache(image_id);
  `,
];
