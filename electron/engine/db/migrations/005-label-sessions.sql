-- Which window or tab (session) wrote each undoable label batch, in the order the batches began:
-- undo and redo walk one session's own actions, and the label history can say who changed a label.
-- Batches written without a session (the CLI, older versions) have no row here.
CREATE TABLE label_batches (
  id INTEGER PRIMARY KEY,
  batch_id TEXT NOT NULL UNIQUE,
  session TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE INDEX label_batches_session ON label_batches(session, id);

-- A class removed by a merge or a delete, kept so the change can be undone: the class comes back
-- (with its id when still free) and the images the batch moved get it again.
CREATE TABLE deleted_classes (
  batch_id TEXT PRIMARY KEY,
  class_id INTEGER NOT NULL,
  task_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  position INTEGER NOT NULL,
  color TEXT,
  shortcut TEXT,
  at TEXT NOT NULL,
  restored INTEGER NOT NULL DEFAULT 0
);
