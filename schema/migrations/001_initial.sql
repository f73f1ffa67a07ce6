-- Properties, templates, the mailing log and the suppression list.

create table properties (
    id                            text primary key,
    name                          text not null,
    time_zone                     text not null,
    default_language              text not null default 'en',
    sender_address                text not null,
    email                         text not null default '',
    telephone                     text not null default '',
    city                          text not null default '',
    review_link                   text not null default '',
    -- Local times of day in minutes after midnight.
    send_at_minutes               integer not null default 600 check (send_at_minutes between 0 and 1439),
    window_open_minutes           integer not null default 480 check (window_open_minutes between 0 and 1439),
    window_close_minutes          integer not null default 1260 check (window_close_minutes between 0 and 1439),
    confirmation_enabled          boolean not null default true,
    invitation_enabled            boolean not null default true,
    before_start_enabled          boolean not null default false,
    before_start_days             integer not null default 7 check (before_start_days >= 0),
    after_start_enabled           boolean not null default true,
    after_end_enabled             boolean not null default true,
    after_end_delay_days          integer not null default 0 check (after_end_delay_days >= 0),
    release_reminder_enabled      boolean not null default true,
    release_reminder_lead_seconds integer not null default 86400 check (release_reminder_lead_seconds >= 0),
    auto_release                  boolean not null default true,
    retention_seconds             integer not null default 2592000 check (retention_seconds >= 0),
    created_at                    timestamptz not null default now(),
    updated_at                    timestamptz not null default now()
);

create table mail_templates (
    property_id text not null references properties (id) on delete cascade,
    mail_type   text not null,
    language    text not null,
    subject     text not null,
    html        text not null,
    text        text not null,
    updated_at  timestamptz not null default now(),
    primary key (property_id, mail_type, language)
);

-- One row per mail, written before the send. The idempotency key is the
-- same one Resend receives, so a repeated activity finds its row first.
create table deliveries (
    id              bigint generated always as identity primary key,
    idempotency_key text not null unique,
    workflow_id     text not null,
    reservation_id  text not null default '',
    property_id     text not null default '',
    mail_type       text not null,
    recipient       text not null,
    language        text not null default '',
    subject         text not null default '',
    automatic       boolean not null default true,
    status          text not null check (status in ('sending', 'sent', 'failed', 'skipped')),
    transport       text not null default '',
    message_id      text not null default '',
    error           text not null default '',
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now(),
    sent_at         timestamptz
);

create index deliveries_reservation on deliveries (reservation_id, created_at);
create index deliveries_recipient_recent on deliveries (lower(recipient), created_at);

create table suppressions (
    address    text primary key check (address = lower(address)),
    reason     text not null check (reason in ('hard-bounce', 'complaint', 'manual')),
    note       text not null default '',
    created_at timestamptz not null default now()
);
