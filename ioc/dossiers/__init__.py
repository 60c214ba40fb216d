"""The dossier domain: the rules of ``domain/dossier-source.md`` that both the warehouse and the KPIs follow, in
modules that import neither."""
