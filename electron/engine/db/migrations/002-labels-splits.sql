-- Indexes for the image browser on large projects (100k images): sorting by import time and
-- finding the images that other images duplicate.
CREATE INDEX images_imported ON images(imported_at);
CREATE INDEX images_duplicate_of ON images(duplicate_of) WHERE duplicate_of IS NOT NULL;
