-- Customer profiles created from imports of past reservations: one per
-- e-mail address, stored lower-case and trimmed.

create table customer_profiles (
    id          bigint generated always as identity primary key,
    email       text not null unique check (email = lower(btrim(email))),
    first_name  text not null default '',
    last_name   text not null default '',
    language    text not null default '',
    nationality text not null default '',
    property_id text not null default '',
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now()
);
