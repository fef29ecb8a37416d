-- Retention deletes trigger instances nothing uses any more (db/retention.ts), among them those no
-- retained event references: this finds an instance's events without reading the whole table.
-- `event.trigger_instance_id` stays without a foreign key (the hot insert path takes no lock on
-- trigger_instance); retention keeps an instance while an event points to it.
create index if not exists event_trigger_instance_idx on event (trigger_instance_id) where trigger_instance_id is not null;
