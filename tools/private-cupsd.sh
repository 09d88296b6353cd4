#!/bin/sh
# Start a private CUPS scheduler for the test suite: its own configuration, spool and logs
# under DIR, listening on 127.0.0.1:PORT only, with one cups-pdf queue named qillqa-pdf.
# Usage: tools/private-cupsd.sh start DIR PORT   (prints the scheduler's PID)
#        tools/private-cupsd.sh stop DIR
# Facts of these machines: cupsd 2.4 rejects a PidFile directive (we keep the PID ourselves);
# the spool's temporary folder must be root:lp 1770; cups-pdf writes to the submitter's ~/PDF.
set -eu
command=$1
dir=$2

case "$command" in
start)
    port=$3
    mkdir -p "$dir/ppd" "$dir/spool/tmp" "$dir/cache" "$dir/run" "$dir/log" "$dir/ssl"
    chgrp lp "$dir/spool" "$dir/spool/tmp" 2>/dev/null || true
    chmod 0710 "$dir/spool"
    chmod 1770 "$dir/spool/tmp"
    cat > "$dir/cupsd.conf" <<CONF
Listen 127.0.0.1:$port
LogLevel warn
MaxLogSize 0
WebInterface No
Browsing No
DefaultAuthType None
<Location />
  Order allow,deny
  Allow from 127.0.0.1
</Location>
<Location /admin>
  Order allow,deny
  Allow from 127.0.0.1
</Location>
<Policy default>
  JobPrivateAccess all
  JobPrivateValues none
  SubscriptionPrivateAccess all
  SubscriptionPrivateValues none
  <Limit All>
    Order allow,deny
    Allow from 127.0.0.1
  </Limit>
</Policy>
CONF
    cat > "$dir/cups-files.conf" <<CONF
ServerRoot $dir
RequestRoot $dir/spool
TempDir $dir/spool/tmp
CacheDir $dir/cache
StateDir $dir/run
ServerKeychain $dir/ssl
AccessLog $dir/log/access_log
ErrorLog $dir/log/error_log
PageLog $dir/log/page_log
LogFilePerm 0644
FileDevice No
SystemGroup root lpadmin
CONF
    /usr/sbin/cupsd -f -c "$dir/cupsd.conf" -s "$dir/cups-files.conf" >"$dir/log/cupsd.out" 2>&1 &
    echo $! > "$dir/cupsd.pid"
    export CUPS_SERVER="127.0.0.1:$port"
    tries=0
    until lpstat -r 2>/dev/null | grep -q "scheduler is running"; do
        tries=$((tries + 1))
        if [ $tries -gt 100 ]; then
            echo "private cupsd did not start; see $dir/log" >&2
            cat "$dir/log/cupsd.out" "$dir/log/error_log" >&2 2>/dev/null || true
            exit 1
        fi
        sleep 0.1
    done
    lpadmin -p qillqa-pdf -E -v cups-pdf:/ -P /usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd -o printer-is-shared=false
    cat "$dir/cupsd.pid"
    ;;
stop)
    if [ -f "$dir/cupsd.pid" ]; then
        kill "$(cat "$dir/cupsd.pid")" 2>/dev/null || true
        rm -f "$dir/cupsd.pid"
    fi
    ;;
*)
    echo "usage: $0 start DIR PORT | stop DIR" >&2
    exit 2
    ;;
esac
