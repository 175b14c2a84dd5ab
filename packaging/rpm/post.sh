# tandem .rpm %post: tell a running systemd about the unit. Never enables or
# starts the service: the installed configuration defines nothing to direct.
if [ -d /run/systemd/system ]; then
    systemctl --system daemon-reload >/dev/null 2>&1 || :
fi
exit 0
