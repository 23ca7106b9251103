-- Who wrote the labels an event replaced, so that undoing a person's correction of an accepted model
-- guess brings back that run's model label rather than a human one. JSON object: class id -> [source,
-- run id]. NULL where the image held no labels in the task, and in events written before this
-- migration (undo then restores those as human labels, as it did before).
ALTER TABLE label_events ADD COLUMN old_origin TEXT;
