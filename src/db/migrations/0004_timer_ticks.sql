-- The last tick each timer trigger instance fired, so that sensors starting after all of them
-- were down know which ticks were missed (catch-up policy: skip, fire_once, fire_all).
create table timer_tick (
  trigger_instance_id bigint primary key references trigger_instance(id) on delete cascade,
  last_tick           timestamptz not null,
  updated_at          timestamptz not null default now()
);
