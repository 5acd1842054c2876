-- What each instance measures checkout to complete, per second (issue 11, follow-up): the instance that moves the
-- waiting rooms' frontiers lets buyers out at the sum of the rates the live instances reported, not at its own.
-- Behind a load balancer each instance completes only its share of the checkouts, so one instance's rate alone
-- drains a line at about that share of the cluster's pace. Every instance rewrites its row on each tick;
-- the lock holder forgets rows no instance has refreshed for a while (a stopped or restarted instance).
-- Soft state: unlogged (no WAL, not on the standby), emptied after a crash and refilled within a tick.
CREATE UNLOGGED TABLE waiting_room_outflow (
    instance uuid PRIMARY KEY,
    rate float8 NOT NULL CHECK (rate >= 0),
    reported_at timestamptz NOT NULL
);
