-- LabelTune project schema, version 1.
-- Images are referenced by absolute path and identified by the hash of their decoded pixels;
-- every other table hangs off images, tasks or runs.

CREATE TABLE project_meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

CREATE TABLE images (
  id             INTEGER PRIMARY KEY,
  hash           TEXT    NOT NULL,               -- sha256 of decoded pixels (re-encoded copies collide)
  file_hash      TEXT,                           -- sha256 of the file bytes (fast re-import skip)
  phash          TEXT,                           -- perceptual hash (hex) for near-duplicates
  path           TEXT    NOT NULL,               -- absolute path (inside the project when copied)
  frame          INTEGER NOT NULL DEFAULT 0,     -- frame index for multi-frame DICOM
  copied         INTEGER NOT NULL DEFAULT 0,
  format         TEXT    NOT NULL,               -- png, jpeg, tiff, dicom, ...
  width          INTEGER NOT NULL,
  height         INTEGER NOT NULL,
  channels       INTEGER NOT NULL,
  bit_depth      INTEGER NOT NULL,
  modality       TEXT,
  group_id       TEXT,                           -- patient / lot: splits never cut a group
  window_center  REAL,
  window_width   REAL,
  metadata       TEXT    NOT NULL DEFAULT '{}',  -- JSON: DICOM tags, EXIF, ...
  excluded       INTEGER NOT NULL DEFAULT 0,
  exclude_reason TEXT,
  duplicate_of   INTEGER REFERENCES images(id) ON DELETE SET NULL,
  imported_at    TEXT    NOT NULL,
  UNIQUE (path, frame)
) STRICT;
CREATE INDEX images_hash ON images(hash);
CREATE INDEX images_file_hash ON images(file_hash);
CREATE INDEX images_group ON images(group_id);
CREATE INDEX images_excluded ON images(excluded);

-- A label set: exactly one 'main' task, optionally one 'aux' task for multi-task training.
CREATE TABLE tasks (
  id   INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL CHECK (role IN ('main', 'aux')),
  mode TEXT NOT NULL DEFAULT 'single' CHECK (mode IN ('single', 'multi'))
) STRICT;
CREATE UNIQUE INDEX tasks_one_per_role ON tasks(role);

CREATE TABLE classes (
  id       INTEGER PRIMARY KEY,
  task_id  INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  name     TEXT    NOT NULL,
  position INTEGER NOT NULL,
  color    TEXT,
  shortcut TEXT,
  UNIQUE (task_id, name)
) STRICT;

-- Current labels; one row per (image, class). Single-label tasks hold at most one row per image.
CREATE TABLE labels (
  image_id   INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  task_id    INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  class_id   INTEGER NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
  source     TEXT    NOT NULL CHECK (source IN ('human', 'model', 'import')),
  updated_at TEXT    NOT NULL,
  PRIMARY KEY (image_id, task_id, class_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX labels_class ON labels(class_id, image_id);
CREATE INDEX labels_task_image ON labels(task_id, image_id);

-- Audit trail: every change to labels writes one row in the same transaction. Values are JSON
-- arrays of class ids. Undo/redo walk this table.
CREATE TABLE label_events (
  id        INTEGER PRIMARY KEY,
  at        TEXT    NOT NULL,
  image_id  INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  task_id   INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  old_value TEXT    NOT NULL,
  new_value TEXT    NOT NULL,
  source    TEXT    NOT NULL CHECK (source IN ('human', 'model', 'import', 'undo', 'redo')),
  batch_id  TEXT,                                -- one user action labelling many images
  undone    INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX label_events_image ON label_events(image_id, id);
CREATE INDEX label_events_batch ON label_events(batch_id);

CREATE TABLE splits (
  image_id    INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
  split       TEXT    NOT NULL CHECK (split IN ('train', 'val', 'test')),
  locked      INTEGER NOT NULL DEFAULT 0,        -- locked test images stay in test on re-split
  assigned_at TEXT    NOT NULL
) STRICT;
CREATE INDEX splits_split ON splits(split);

CREATE TABLE runs (
  id               INTEGER PRIMARY KEY,
  name             TEXT    NOT NULL,
  status           TEXT    NOT NULL CHECK (status IN ('queued', 'running', 'paused', 'completed', 'failed', 'cancelled')),
  backbone         TEXT    NOT NULL,
  strategy         TEXT    NOT NULL,
  config           TEXT    NOT NULL,             -- JSON: every hyperparameter, resolved
  backend          TEXT,
  backend_report   TEXT,                         -- JSON: why each higher rung of the ladder failed
  trainable_params INTEGER,
  total_params     INTEGER,
  best_epoch       INTEGER,
  best_metric      REAL,
  summary          TEXT,                         -- JSON: final metrics
  error            TEXT,
  created_at       TEXT    NOT NULL,
  started_at       TEXT,
  finished_at      TEXT
) STRICT;

CREATE TABLE run_metrics (
  run_id          INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  epoch           INTEGER NOT NULL,
  train_loss      REAL,
  val_loss        REAL,
  val_accuracy    REAL,
  val_auc         REAL,
  alpha           REAL,                          -- auxiliary-task weight α(t)
  images_per_sec  REAL,
  learning_rates  TEXT,                          -- JSON: { group: lr }
  extra           TEXT,                          -- JSON
  at              TEXT    NOT NULL,
  PRIMARY KEY (run_id, epoch)
) STRICT;

CREATE TABLE checkpoints (
  id         INTEGER PRIMARY KEY,
  run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  epoch      INTEGER NOT NULL,
  path       TEXT    NOT NULL,                   -- relative to the project directory
  metric     REAL,
  is_best    INTEGER NOT NULL DEFAULT 0,
  created_at TEXT    NOT NULL,
  UNIQUE (run_id, epoch)
) STRICT;

CREATE TABLE exports (
  id         INTEGER PRIMARY KEY,
  run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  format     TEXT    NOT NULL CHECK (format IN ('tfjs', 'onnx', 'safetensors')),
  path       TEXT    NOT NULL,
  parity     TEXT,                               -- JSON: max relative error per check
  created_at TEXT    NOT NULL
) STRICT;

-- Long operations, kept after they end so that their reports (e.g. failed files of an import) stay.
CREATE TABLE jobs (
  id          TEXT PRIMARY KEY,
  kind        TEXT NOT NULL,
  status      TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'cancelled', 'interrupted')),
  params      TEXT NOT NULL DEFAULT '{}',
  result      TEXT,
  error       TEXT,
  started_at  TEXT NOT NULL,
  finished_at TEXT
) STRICT;
