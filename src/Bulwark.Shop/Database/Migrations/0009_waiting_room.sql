-- Waiting rooms (issue 11): one row per room holds the room's counter and its admission frontier, shared by
-- every instance. A join bumps last_sequence and takes the new value as its place in line (the row lock
-- orders concurrent joins, so the order is the database's, not any one instance's); whichever instance
-- holds the advisory lock on a tick moves the frontier at the outflow rate, and every instance reads the
-- row about every 250 ms to answer polls from memory.
CREATE TABLE waiting_rooms (
    room           text             PRIMARY KEY,
    last_sequence  bigint           NOT NULL DEFAULT 0,
    -- Admitted through this sequence; fractional so that a slow rate still moves (0.4 per tick adds up).
    frontier       double precision NOT NULL DEFAULT 0,
    advanced_at    timestamptz      NOT NULL DEFAULT now(),
    -- The rate the frontier moved at on the last tick, so every instance tells the same estimated wait.
    outflow        double precision NOT NULL DEFAULT 0
);

-- One ticket per user per room: joining again finds this row. spent_by is the Idempotency-Key of the
-- checkout that used the admission (a retry of that checkout may use it again, no other may); a spent
-- or expired ticket is replaced by a new one at the back of the line when its user joins again.
CREATE TABLE waiting_room_tickets (
    room      text        NOT NULL REFERENCES waiting_rooms (room),
    user_id   bigint      NOT NULL,
    sequence  bigint      NOT NULL,
    joined_at timestamptz NOT NULL DEFAULT now(),
    spent_by  text,
    PRIMARY KEY (room, user_id)
);
