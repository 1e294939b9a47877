"""The central parts (issue 15): a hall's rows shipped to a city's PostgreSQL through an
outbox, its lights on MQTT, and the city's reports over all halls.

Optional: a hall without `[central]` needs only SQLite, so nothing here is imported by the
monitor unless the hall asks for it (psycopg, alembic and paho-mqtt are the `central` extra).
"""
