-- Which run's guess a model label is (predict.accept): the grid marks such labels and the label
-- history names the run ("accepted from model run #7"). NULL for human and imported labels, and for
-- model labels written without a run. A deleted run leaves "from the model" without its number.
ALTER TABLE labels ADD COLUMN run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL;
ALTER TABLE label_events ADD COLUMN run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL;
CREATE INDEX labels_run ON labels(run_id) WHERE run_id IS NOT NULL;
CREATE INDEX label_events_run ON label_events(run_id) WHERE run_id IS NOT NULL;
