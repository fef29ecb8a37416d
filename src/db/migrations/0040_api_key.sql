-- API keys of the HTTP API: only a SHA-256 of the key is stored; the key is shown once, at creation.
create table api_key (
  id          bigint generated always as identity primary key,
  name        text not null default '',
  role        text not null check (role in ('viewer', 'operator', 'admin')),
  hash        text not null unique,
  prefix      text not null,
  created_at  timestamptz not null default now(),
  revoked_at  timestamptz
);
