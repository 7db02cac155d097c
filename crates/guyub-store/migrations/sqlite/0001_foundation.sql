-- Foundation: coops (the tenants), their bylaws, members, people who sign in, their roles,
-- sessions, API tokens, the audit log and member imports.
-- Kept in lockstep with ../postgres/0001_foundation.sql (same tables, same columns; a test checks).
-- Types: UUID → BLOB, timestamps → TEXT (RFC 3339, UTC), dates → TEXT (YYYY-MM-DD), bool → INTEGER.
-- Money is always whole rupiah in an INTEGER column.

CREATE TABLE koperasi (
    id              BLOB PRIMARY KEY,
    code            TEXT NOT NULL UNIQUE,      -- short code used in member numbers, e.g. KSPMLG
    name            TEXT NOT NULL,
    legal_number    TEXT,                      -- nomor badan hukum
    legal_date      TEXT,
    nib             TEXT,
    npwp            TEXT,
    kind            TEXT NOT NULL,             -- CoopKind::as_str
    pattern         TEXT NOT NULL,             -- konvensional | syariah
    tier            TEXT NOT NULL,             -- primer | sekunder
    is_pesantren    INTEGER NOT NULL,
    address         TEXT NOT NULL,
    region_code     TEXT NOT NULL,             -- village level, dotted
    province_code   TEXT NOT NULL,             -- derived from region_code, for dinas scoping
    regency_code    TEXT NOT NULL,
    phone           TEXT,
    email           TEXT,
    founded_on      TEXT,
    timezone        TEXT NOT NULL,             -- wib | wita | wit
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX koperasi_region_idx ON koperasi (province_code, regency_code);

-- AD/ART settings, versioned by the fiscal year from which they apply.
CREATE TABLE bylaws (
    koperasi_id                 BLOB NOT NULL REFERENCES koperasi (id),
    effective_year              INTEGER NOT NULL,
    simpanan_pokok              INTEGER NOT NULL,
    simpanan_wajib_monthly      INTEGER NOT NULL,
    fiscal_year_start_month     INTEGER NOT NULL,
    alloc_cadangan              INTEGER NOT NULL,  -- basis points, 10000 = 100%
    alloc_jasa_modal            INTEGER NOT NULL,
    alloc_jasa_usaha            INTEGER NOT NULL,
    alloc_pengurus              INTEGER NOT NULL,
    alloc_karyawan              INTEGER NOT NULL,
    alloc_pendidikan            INTEGER NOT NULL,
    alloc_sosial                INTEGER NOT NULL,
    alloc_pembangunan_daerah    INTEGER NOT NULL,
    quorum_numerator            INTEGER NOT NULL,
    quorum_denominator          INTEGER NOT NULL,
    quorum_strictly_greater     INTEGER NOT NULL,
    quorum_counts_proxies       INTEGER NOT NULL,
    member_number_format        TEXT NOT NULL,
    updated_at                  TEXT NOT NULL,
    PRIMARY KEY (koperasi_id, effective_year)
);

CREATE TABLE app_user (
    id                      BLOB PRIMARY KEY,
    email                   TEXT NOT NULL UNIQUE,
    name                    TEXT NOT NULL,
    password_hash           TEXT NOT NULL,     -- Argon2id PHC string
    must_change_password    INTEGER NOT NULL,
    disabled                INTEGER NOT NULL,
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL
);

CREATE TABLE member (
    koperasi_id         BLOB NOT NULL REFERENCES koperasi (id),
    id                  BLOB NOT NULL,
    member_no           TEXT NOT NULL,
    kind                TEXT NOT NULL,         -- person | coop
    member_koperasi_id  BLOB REFERENCES koperasi (id),   -- kind = coop: the member coop
    nik                 TEXT,                  -- kind = person
    name                TEXT NOT NULL,
    name_key            TEXT NOT NULL,         -- lower-cased name, for sorting and search on both engines
    gender              TEXT,                  -- L | P
    birth_place         TEXT,
    birth_date          TEXT,
    address             TEXT NOT NULL,
    region_code         TEXT NOT NULL,
    phone               TEXT,
    occupation          TEXT NOT NULL,
    joined_on           TEXT NOT NULL,
    status              TEXT NOT NULL,         -- aktif | berhenti | meninggal
    status_on           TEXT,
    status_reason       TEXT,
    user_id             BLOB REFERENCES app_user (id),
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    PRIMARY KEY (koperasi_id, id),
    UNIQUE (koperasi_id, member_no),
    UNIQUE (koperasi_id, nik),
    UNIQUE (koperasi_id, member_koperasi_id)
);
CREATE INDEX member_name_idx ON member (koperasi_id, name_key, id);
CREATE INDEX member_status_idx ON member (koperasi_id, status, name_key);
CREATE INDEX member_joined_idx ON member (koperasi_id, joined_on);
CREATE INDEX member_user_idx ON member (user_id);

-- One row per word of a member's name (lower-cased), so a search by any word prefix is an
-- index range scan instead of a scan of every member. The name key rides along so a page of
-- matches can be sorted by name from this index alone, before any member row is read.
CREATE TABLE member_search_token (
    koperasi_id     BLOB NOT NULL,
    token           TEXT NOT NULL,
    name_key        TEXT NOT NULL,
    member_id       BLOB NOT NULL,
    PRIMARY KEY (koperasi_id, token, name_key, member_id),
    FOREIGN KEY (koperasi_id, member_id) REFERENCES member (koperasi_id, id)
);
CREATE INDEX member_search_token_member_idx ON member_search_token (koperasi_id, member_id, token);

-- The last sequence number handed out per coop and year, for member numbers.
CREATE TABLE member_number_seq (
    koperasi_id     BLOB NOT NULL REFERENCES koperasi (id),
    year            INTEGER NOT NULL,
    last_seq        INTEGER NOT NULL,
    PRIMARY KEY (koperasi_id, year)
);

-- A role held by a user: platform admin (no coop), dinas (a region), or a coop role.
CREATE TABLE role_grant (
    id              BLOB PRIMARY KEY,
    user_id         BLOB NOT NULL REFERENCES app_user (id),
    role            TEXT NOT NULL,
    koperasi_id     BLOB REFERENCES koperasi (id),
    region_code     TEXT,
    member_id       BLOB,
    created_at      TEXT NOT NULL
);
CREATE INDEX role_grant_user_idx ON role_grant (user_id);
CREATE INDEX role_grant_koperasi_idx ON role_grant (koperasi_id);

-- Cookie sessions. The cookie holds a random secret; only its SHA-256 is stored.
CREATE TABLE web_session (
    id_hash         TEXT PRIMARY KEY,
    user_id         BLOB NOT NULL REFERENCES app_user (id),
    active_grant    BLOB,
    csrf_token      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    expires_unix    INTEGER NOT NULL
);
CREATE INDEX web_session_user_idx ON web_session (user_id);

-- Personal API tokens: shown once, stored as SHA-256, revocable.
CREATE TABLE api_token (
    id              BLOB PRIMARY KEY,
    user_id         BLOB NOT NULL REFERENCES app_user (id),
    name            TEXT NOT NULL,
    token_hash      TEXT NOT NULL UNIQUE,
    prefix          TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    last_used_at    TEXT,
    revoked_at      TEXT
);
CREATE INDEX api_token_user_idx ON api_token (user_id);

-- Every change made by a person. Platform-level changes use the nil UUID as koperasi_id.
CREATE TABLE audit_log (
    koperasi_id     BLOB NOT NULL,
    id              BLOB NOT NULL,
    at              TEXT NOT NULL,
    user_id         BLOB,
    actor           TEXT NOT NULL,
    entity          TEXT NOT NULL,
    entity_id       TEXT NOT NULL,
    action          TEXT NOT NULL,
    changes         TEXT NOT NULL,   -- JSON: [{"field":…,"before":…,"after":…}]
    PRIMARY KEY (koperasi_id, id)
);
CREATE INDEX audit_log_at_idx ON audit_log (koperasi_id, at);
CREATE INDEX audit_log_entity_idx ON audit_log (koperasi_id, entity, entity_id);

-- A member import between preview and commit: the validated rows wait here as JSON.
CREATE TABLE member_import (
    koperasi_id     BLOB NOT NULL REFERENCES koperasi (id),
    id              BLOB NOT NULL,
    created_by      BLOB NOT NULL,
    created_at      TEXT NOT NULL,
    file_name       TEXT NOT NULL,
    status          TEXT NOT NULL,   -- preview | committed
    row_count       INTEGER NOT NULL,
    problem_count   INTEGER NOT NULL,
    rows_json       TEXT NOT NULL,
    committed_at    TEXT,
    PRIMARY KEY (koperasi_id, id)
);
