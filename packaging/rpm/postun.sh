# tandem .rpm %postun: reload systemd; after an upgrade ($1 >= 1) restart a
# running daemon onto the new binary (it adopts the IPVS table); a stopped one
# stays stopped. The state in /var/lib/tandem and the tandem user are kept,
# as RPM distributions keep them.
if [ -d /run/systemd/system ]; then
    systemctl --system daemon-reload >/dev/null 2>&1 || :
    if [ "$1" -ge 1 ]; then
        systemctl try-restart tandem.service >/dev/null 2>&1 || :
    fi
fi
exit 0
