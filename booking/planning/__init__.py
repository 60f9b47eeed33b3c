"""Season planning (CP-SAT) and the van's days (pyvroom), over the scenario file contract.

- `scenario`: the scenario and plan files (version 1), loaded and validated field by field;
- `travel`: the `TravelModel` interface (geodesic offline default, an OSRM client);
- `season`: which request gets which kit and dates (OR-Tools CP-SAT);
- `kit_flow`: the season as a flow of kits through the days, for the km level's bound and
  the search that improves larger seasons;
- `vans`: the legs of each transport day routed per van (pyvroom);
- `db_season`: the database's season as a scenario, plans accepted back, van days stored;
- `route_sheet`: the printable route sheet (PDF) and the maps.
"""
