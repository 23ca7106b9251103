-- What a label CSV's split column did to the splits, per import batch, so that undoing the import
-- puts the split back as it was and redo places it again. file_split_moves holds each image the
-- file moved, with its split before (NULL: it had none), written with the move. file_splits, written
-- when the import finishes, holds the split settings (the splits.* project_meta values, JSON) as undo
-- and as the import (or redo) leave them, and where the step stands: 'placed', 'undone', or 'kept'
-- once the split changed in between and undo or redo left it alone. Moves without a file_splits row
-- (an import that crashed before it finished) are not undone.
CREATE TABLE file_splits (
  batch_id TEXT PRIMARY KEY,
  file     TEXT NOT NULL,
  before   TEXT NOT NULL,
  after    TEXT NOT NULL,
  state    TEXT NOT NULL DEFAULT 'placed' CHECK (state IN ('placed', 'undone', 'kept')),
  at       TEXT NOT NULL                         -- when the state last changed
) STRICT;

CREATE TABLE file_split_moves (
  batch_id        TEXT    NOT NULL,
  image_id        INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  old_split       TEXT,
  old_locked      INTEGER NOT NULL,
  old_assigned_at TEXT,
  new_split       TEXT    NOT NULL,
  new_locked      INTEGER NOT NULL,
  new_assigned_at TEXT    NOT NULL,
  PRIMARY KEY (batch_id, image_id)
) STRICT;
