# tandem .rpm %preun: on erase ($1 = 0), stop and disable the daemon; an
# upgrade keeps it running until %postun restarts it. Stopping leaves the
# IPVS table as it is.
if [ "$1" -eq 0 ] && [ -d /run/systemd/system ]; then
    systemctl --no-reload disable --now tandem.service >/dev/null 2>&1 || :
fi
exit 0
