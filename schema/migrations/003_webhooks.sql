-- Statuses reported by Resend's webhooks after a send, and the webhook
-- messages already processed, so that a redelivered message changes nothing.

alter table deliveries drop constraint deliveries_status_check;
alter table deliveries add constraint deliveries_status_check
    check (status in ('sending', 'sent', 'failed', 'skipped', 'delivered', 'delayed', 'bounced', 'complained'));

create index deliveries_message_id on deliveries (message_id) where message_id <> '';

create table webhook_messages (
    id          text primary key,
    event_type  text not null,
    email_id    text not null default '',
    received_at timestamptz not null default now()
);
