-- Events accepted while the shared store was unreachable, oldest first.
-- AUTOINCREMENT: ids are never reused, so id order is append order.
CREATE TABLE spooled (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    event TEXT NOT NULL
);
