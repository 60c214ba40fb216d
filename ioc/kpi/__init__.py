"""KPIs exactly as Vietnamese regulations define them: events per dossier, the registry, periods, Decision 766."""
