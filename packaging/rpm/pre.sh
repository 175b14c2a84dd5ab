# tandem .rpm %pre: the system user the daemon runs as.
getent passwd tandem >/dev/null || \
    useradd --system --user-group --home-dir / --no-create-home \
        --shell /sbin/nologin --comment "tandem IPVS director" tandem
exit 0
