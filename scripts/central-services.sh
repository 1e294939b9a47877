#!/bin/sh
# The city's side for a trial on one machine (issue 15): install PostgreSQL 15 and
# mosquitto from Debian, then start a private cluster and broker in a folder (no system
# service), migrate the schema and create one hall's database role and broker user.
#   sh scripts/central-services.sh [FOLDER] [HALL] [PASSWORD]   (or --install-only)
# prints the [central] table to paste into that hall's hall.toml. Stop them with
#   runuser -u postgres -- pg_ctl -D FOLDER/pg/data stop; kill $(cat FOLDER/mqtt/pid)
set -eu
folder=${1:-/tmp/courtesy-central}
hall=${2:-hall_01}
password=${3:-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')}
missing=""
for pkg in postgresql mosquitto mosquitto-clients; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
    if [ "$(id -u)" != 0 ]; then echo "missing:$missing (apt-get install -y$missing as root)" >&2; exit 1; fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi
[ "${1:-}" = "--install-only" ] && exit 0
# mosquitto's Debian service is not wanted: the broker below runs on its own port
PYTHON=${PYTHON:-.venv/bin/python}
"$PYTHON" - "$folder" "$hall" "$password" <<'PY'
import sys
from pathlib import Path
from monitor.central import local, schema
folder, hall, password = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
pg = local.Postgres(folder=folder / "pg", port=5433).init().start()
schema.upgrade(pg.url)
schema.add_role(pg.url, hall, password)
schema.add_role(pg.url, "city", password, city=True)
broker = local.Broker({hall: password, "city": password}, (hall,), folder=folder / "mqtt",
                      port=1884).start()
(folder / "mqtt" / "pid").write_text(str(broker.process.pid))
print(f"# administrator: {pg.url}")
print(f'[central]\nurl = "{pg.hall_url(hall, password)}"\nhall = "{hall}"\n'
      f'mqtt_url = "{broker.url}"\nmqtt_password = "{password}"\n'
      '# board_events = "mqtt"   # courtesy serve shows the lights published on the broker')
print(f"# city reports: courtesy report --db {pg.hall_url('city', password)}")
PY
