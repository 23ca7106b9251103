-- Evaluations of runs on a held-out split, and stored model predictions (evaluation and
-- model-assisted labelling share them: one row per run and image, the newest wins).
CREATE TABLE evaluations (
  id         INTEGER PRIMARY KEY,
  run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  split      TEXT    NOT NULL CHECK (split IN ('test', 'val')),
  metrics    TEXT    NOT NULL,                   -- JSON: EvaluationMetrics
  samples    TEXT    NOT NULL,                   -- JSON: { imageIds, truth, probs } the metrics came from
  created_at TEXT    NOT NULL
) STRICT;
CREATE INDEX evaluations_run ON evaluations(run_id, id);

CREATE TABLE predictions (
  run_id          INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  image_id        INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  probs           TEXT    NOT NULL,              -- JSON array, one probability per class
  predicted_class INTEGER NOT NULL,              -- index into the run's classes
  confidence      REAL    NOT NULL,
  entropy         REAL    NOT NULL,
  margin          REAL    NOT NULL,
  created_at      TEXT    NOT NULL,
  PRIMARY KEY (run_id, image_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX predictions_entropy ON predictions(run_id, entropy);
CREATE INDEX predictions_margin ON predictions(run_id, margin);
CREATE INDEX predictions_confidence ON predictions(run_id, confidence);
