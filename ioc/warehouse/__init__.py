"""The warehouse: schema, migrations, connections and loading. SQLite and PostgreSQL through one code path."""
