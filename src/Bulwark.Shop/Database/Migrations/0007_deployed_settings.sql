-- Incident 4 came with a deploy. The configuration a deploy ships is the desired state: a version that a
-- start of the shop produced keeps the shipped configuration beside the merged result, so the next start
-- can tell which keys its deploy changes (only those override what operators set through the API since).
ALTER TABLE runtime_settings ADD COLUMN deployed jsonb;
-- Version 1 always came from the configuration the first instance started with.
UPDATE runtime_settings SET deployed = settings WHERE version = 1;

-- The most connections any one instance had in use at once, minute by minute. A freshly started instance
-- judging its deploy has no history of its own; the instances it replaces left theirs here.
CREATE TABLE connection_peaks (
    minute timestamptz PRIMARY KEY,
    peak   integer     NOT NULL
);
