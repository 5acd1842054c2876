-- When each waiting-room ticket was admitted (issue 11, follow-up): the instant the frontier passed it, written by
-- the tick that moved the frontier in the same transaction (that tick's now(), which is also the room's
-- advanced_at), or by the join itself when the frontier had already passed that place (the join's now(), equal to
-- joined_at). A sale line counts a ticket as holding a unit only while its admission can still be used
-- (admitted_at + WaitingRoom:AdmissionLifetime + WaitingRoom:AdmissionGrace); before this column the database could
-- not tell, and a buyer who walked away held a unit until the sale ended. Instances date the admissions they mint
-- from these same values, so the token's expiry and the line's count share one instant.
ALTER TABLE waiting_room_tickets ADD COLUMN admitted_at timestamptz;

-- Tickets already passed when this runs: admitted now, so none is dropped early (they run one more lifetime).
UPDATE waiting_room_tickets t SET admitted_at = now()
FROM waiting_rooms w
WHERE t.room = w.room AND t.sequence <= w.frontier;

-- The tick stamps the tickets the frontier just passed: only the waiting ones are ever looked up this way.
CREATE INDEX waiting_room_tickets_waiting_idx ON waiting_room_tickets (room, sequence) WHERE admitted_at IS NULL;
-- Every tick reads the admissions made since its last one (how each instance learns when a place was passed).
CREATE INDEX waiting_room_tickets_admitted_idx ON waiting_room_tickets (admitted_at);
