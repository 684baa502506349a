package io.tether.argv;

/**
 * Every fixed word Tether passes to a host program: options, modes and the settings it names.
 * These are the only arguments that may start with '-'; nothing a request, the host or the
 * operator says is ever one of them.
 */
public enum Word implements Arg {
    // mount, umount
    TYPE("-t"),
    OPTIONS("-o"),
    LAZY("-l"),
    // stat
    FORMAT("-c"),
    FILE_TYPE("%F"),
    // realpath: the path must exist; nothing after "--" is an option
    EXISTING("-e"),
    END_OF_OPTIONS("--"),
    // dd, reading a file's first block past the page cache; IF is followed by the file
    IF("if="),
    OF_NULL("of=/dev/null"),
    BS_4096("bs=4096"),
    COUNT_1("count=1"),
    /**
     * Direct I/O, and {@code O_NOFOLLOW}: the file is on storage someone else writes, and a link
     * there would have root open a host file or device of theirs choosing (a FIFO, /dev/watchdog).
     */
    IFLAG_DIRECT_NOFOLLOW("iflag=direct,nofollow"),
    // iscsiadm
    MODE("-m"),
    NODE("node"),
    SESSION("session"),
    TARGET("-T"),
    INTERFACE("-I"),
    PORTAL("-p"),
    RECORD("-r"),
    RESCAN("--rescan"),
    LOGIN("-l"),
    LOGOUT("-u"),
    OP_NEW("--op=new"),
    OP_UPDATE("--op=update"),
    OP_DELETE("--op=delete"),
    NAME("-n"),
    VALUE("-v"),
    NODE_STARTUP("node.startup"),
    NODE_SESSION_SCAN("node.session.scan"),
    MANUAL("manual"),
    AUTH_METHOD("node.session.auth.authmethod"),
    CHAP("CHAP"),
    AUTH_USERNAME("node.session.auth.username"),
    AUTH_PASSWORD("node.session.auth.password"),
    // iscsi-inq
    INITIATOR("-i"),
    // multipathd: device, map alias, device-mapper state, checker state of every path
    SHOW("show"),
    PATHS("paths"),
    RAW("raw"),
    FORMAT_WORD("format"),
    PATH_FORMAT("%d %m %t %T"),
    // nvme connect, nvme disconnect; the words ending in '=' are followed by their value
    NVME_CONNECT("connect"),
    NVME_DISCONNECT("disconnect"),
    NVME_TCP("--transport=tcp"),
    NVME_TRADDR("--traddr="),
    NVME_TRSVCID("--trsvcid="),
    NVME_NQN("--nqn="),
    NVME_HOSTNQN("--hostnqn="),
    NVME_HOSTID("--hostid="),
    NVME_CTRL_LOSS_TMO("--ctrl-loss-tmo="),
    NVME_RECONNECT_DELAY("--reconnect-delay="),
    NVME_NR_IO_QUEUES("--nr-io-queues="),
    NVME_DEVICE("--device="),
    NVME_CONFIG("--config="),
    /** No configuration file: {@code /etc/nvme/config.json} adds nothing to what Tether asks for. */
    NVME_NO_CONFIG("--config=none"),
    // systemd-run, setsid; UNIT is followed by the unit's name
    SCOPE("--scope"),
    SLICE("--slice=tether-mounts.slice"),
    UNIT("--unit="),
    QUIET("--quiet"),
    WAIT("--wait");

    private final String text;

    Word(String text) {
        this.text = text;
    }

    @Override
    public String text() {
        return text;
    }
}
