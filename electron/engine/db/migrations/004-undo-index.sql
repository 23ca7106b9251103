-- Undo numbers each batch it takes back with max(undone) + 1. Without an index that max read all of
-- label_events (8 ms at 100k events, on every Ctrl+Z); this one holds only undone rows.
CREATE INDEX label_events_undone ON label_events(undone) WHERE undone > 0;
