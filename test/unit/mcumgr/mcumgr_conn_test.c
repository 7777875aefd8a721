/* Connection strings as mcumgr spells them, and the refusals. */
#include "mcumgr_cli.h"
#include "mcumgr_conn.h"
#include "smp/smp_serial.h"
#include "testutil.h"

static int parse(const char *type, const char *s, mcumgr_conn_t *c)
{
    char err[256];
    err[0] = '\0';
    int rc = mcumgr_conn_parse(type, s, c, err, sizeof err);
    CHECK(rc == 0 || err[0] != '\0'); /* every refusal says why */
    return rc;
}

static void test_udp(void)
{
    mcumgr_conn_t c;
    CHECK_EQ(parse("udp", "127.0.0.1:1337", &c), 0);
    CHECK_EQ(c.type, MCUMGR_CONN_UDP);
    CHECK(strcmp(c.addr, "127.0.0.1:1337") == 0);
    CHECK_EQ(parse("udp", "[::1]:1337", &c), 0);
    CHECK(strcmp(c.addr, "[::1]:1337") == 0);
    CHECK_EQ(parse("udp", "localhost:1337", &c), 0);
    CHECK_EQ(parse("udp", "192.168.1.5", &c), 0); /* default port later */
    CHECK_EQ(parse("udp", "::1", &c), 0);         /* bare IPv6, default port */
    CHECK_EQ(parse("udp", "addr=127.0.0.1:5683", &c), 0);
    CHECK(strcmp(c.addr, "127.0.0.1:5683") == 0);
    /* refusals */
    CHECK(parse("udp", "", &c) != 0);
    CHECK(parse("udp", NULL, &c) != 0);
    CHECK(parse("udp", "127.0.0.1:0", &c) != 0);
    CHECK(parse("udp", "127.0.0.1:65536", &c) != 0);
    CHECK(parse("udp", "127.0.0.1:", &c) != 0);
    CHECK(parse("udp", "127.0.0.1:13x7", &c) != 0);
    CHECK(parse("udp", "[::1", &c) != 0);
    CHECK(parse("udp", "[]:1337", &c) != 0);
    CHECK(parse("udp", "[::1]x", &c) != 0);
    CHECK(parse("udp", "dev=/dev/ttyACM0", &c) != 0);
    CHECK(parse("udp", "127.0.0.1:1337,mtu=5", &c) != 0);
}

static void test_serial(void)
{
    mcumgr_conn_t c;
    CHECK_EQ(parse("serial", "dev=/dev/ttyACM0,baud=115200,mtu=2048", &c), 0);
    CHECK_EQ(c.type, MCUMGR_CONN_SERIAL);
    CHECK(strcmp(c.dev, "/dev/ttyACM0") == 0);
    CHECK_EQ(c.baud, 115200);
    CHECK_EQ(c.mtu, 2048);
    CHECK_EQ(c.mtu_given, 1);
    CHECK_EQ(MCUMGR_SERIAL_DEFAULT_MTU, 512); /* Go mcumgr's */
    CHECK_EQ(parse("serial", "dev=/dev/x,mtu=65535", &c), 0);
    CHECK_EQ(parse("serial", "/dev/ttyUSB0", &c), 0); /* old style: bare device */
    CHECK(strcmp(c.dev, "/dev/ttyUSB0") == 0);
    CHECK_EQ(c.baud, MCUMGR_SERIAL_DEFAULT_BAUD);
    CHECK_EQ(c.mtu, MCUMGR_SERIAL_DEFAULT_MTU);
    CHECK_EQ(c.mtu_given, 0);
    CHECK_EQ(parse("serial", "baud=1000000,dev=/tmp/pty", &c), 0);
    CHECK_EQ(c.baud, 1000000);
    /* refusals */
    CHECK(parse("serial", "baud=115200", &c) != 0);          /* no device */
    CHECK(parse("serial", "dev=/dev/x,baud=fast", &c) != 0);
    CHECK(parse("serial", "dev=/dev/x,baud=-1", &c) != 0);
    CHECK(parse("serial", "dev=/dev/x,mtu=4", &c) != 0);     /* below minimum */
    CHECK(parse("serial", "dev=/dev/x,mtu=63", &c) != 0);
    CHECK(parse("serial", "dev=/dev/x,mtu=65536", &c) != 0);
    CHECK(parse("serial", "dev=/dev/x,speed=9600", &c) != 0);
    CHECK(parse("serial", "dev=/dev/x,", &c) != 0);
    CHECK(parse("serial", "dev=", &c) != 0);
    CHECK(parse("serial", "dev=/a,dev=/b", &c) != 0);
    CHECK(parse("ble", "x", &c) != 0);
    CHECK(parse("", "x", &c) != 0);
}

static void test_ble(void)
{
    mcumgr_conn_t c;
    CHECK_EQ(parse("ble", "peer_name='Zephyr'", &c), 0); /* quotes kept by an outer quote */
    CHECK_EQ(c.type, MCUMGR_CONN_BLE);
    CHECK(strcmp(c.peer_name, "Zephyr") == 0);
    CHECK(strcmp(c.ctlr, "hci0") == 0); /* mcumgr's default controller */
    CHECK_EQ(c.scan_ms, 5000);
    CHECK_EQ(parse("ble", "ctlr_name=hci1,peer_name=Zephyr,peer_id=C0:11:22:33:44:55", &c), 0);
    CHECK(strcmp(c.ctlr, "hci1") == 0);
    CHECK(strcmp(c.peer_id, "C0:11:22:33:44:55") == 0);
    CHECK_EQ(parse("ble", "peer_name=Z,ctlr_path=tty:/dev/ttyACM0,baud=1000000,scan_timeout=2", &c), 0);
    CHECK(strcmp(c.ctlr, "tty:/dev/ttyACM0,baud=1000000") == 0);
    CHECK_EQ(c.scan_ms, 2000);
    CHECK_EQ(parse("ble", "peer_id=c0:11:22:33:44:55,ctlr_path=unix:/tmp/bt-server-le", &c), 0);
    CHECK(strcmp(c.ctlr, "unix:/tmp/bt-server-le") == 0);
    /* refusals */
    CHECK(parse("ble", "ctlr_name=hci0", &c) != 0);              /* no peer */
    CHECK(parse("ble", "peer_name=", &c) != 0);
    CHECK(parse("ble", "peer_name=Z,peer_id=1:2:3", &c) != 0);
    CHECK(parse("ble", "peer_name=Z,ctlr_name=usb0", &c) != 0);
    CHECK(parse("ble", "peer_name=Z,ctlr_path=/dev/ttyACM0", &c) != 0);
    CHECK(parse("ble", "peer_name=Z,scan_timeout=0", &c) != 0);
    CHECK(parse("ble", "peer_name=Z,mtu=498", &c) != 0);
    CHECK(parse("ble", "peer_name=ThisNameIsFarTooLongForAnAdvert1234", &c) != 0);
}

static void test_line_chars(void)
{
    /* Lines are the Zephyr console's whatever mtu= says: 2 + 124 + newline = 127. */
    CHECK_EQ(MCUMGR_SERIAL_LINE_CHARS + 3, SMP_SERIAL_MAX_LINE);
}

static void test_cli(void)
{
    mcumgr_cli_t o;
    char err[256];
    char *a1[] = {"x", "--conntype", "udp", "--connstring=127.0.0.1:1337", "image", "upload",
                  "f.bin", "-e", "-n", "2", "-t", "0.5", "-r", "3", "--json"};
    CHECK_EQ(mcumgr_cli_parse(15, a1, &o, err, sizeof err), 0);
    CHECK(strcmp(o.conntype, "udp") == 0);
    CHECK(strcmp(o.connstring, "127.0.0.1:1337") == 0);
    CHECK_EQ(o.nargs, 3);
    CHECK_EQ(o.noerase, 1);
    CHECK_EQ(o.image, 2);
    CHECK_EQ(o.tries, 3);
    CHECK(o.timeout_s > 0.49 && o.timeout_s < 0.51);
    CHECK_EQ(o.json, 1);
    CHECK_EQ(o.smp_version, 1); /* SMP v2 header bits by default */
    char *a2[] = {"x", "image", "upload", "f", "-e=false", "-n2", "--smp-version", "1"};
    CHECK_EQ(mcumgr_cli_parse(8, a2, &o, err, sizeof err), 0);
    CHECK_EQ(o.noerase, 0);
    CHECK_EQ(o.image, 2);
    CHECK_EQ(o.smp_version, 0);
    char *a3[] = {"x", "echo", "--", "-n"};
    CHECK_EQ(mcumgr_cli_parse(4, a3, &o, err, sizeof err), 0);
    CHECK_EQ(o.nargs, 2);
    CHECK(strcmp(o.args[1], "-n") == 0);
    char *b1[] = {"x", "--bogus"};
    CHECK(mcumgr_cli_parse(2, b1, &o, err, sizeof err) != 0);
    char *b2[] = {"x", "-t"};
    CHECK(mcumgr_cli_parse(2, b2, &o, err, sizeof err) != 0);
    char *b3[] = {"x", "-t", "-1"};
    CHECK(mcumgr_cli_parse(3, b3, &o, err, sizeof err) != 0);
    char *b4[] = {"x", "--smp-version", "3"};
    CHECK(mcumgr_cli_parse(3, b4, &o, err, sizeof err) != 0);
    char *b5[] = {"x", "-c", "myprofile"};
    CHECK(mcumgr_cli_parse(3, b5, &o, err, sizeof err) != 0);
    char *b6[] = {"x", "-w", "0"};
    CHECK(mcumgr_cli_parse(3, b6, &o, err, sizeof err) != 0);
    /* Short flags in one argument, as cobra/pflag reads them. */
    char *c1[] = {"x", "-en", "2"};
    CHECK_EQ(mcumgr_cli_parse(3, c1, &o, err, sizeof err), 0);
    CHECK_EQ(o.noerase, 1);
    CHECK_EQ(o.image, 2);
    CHECK_EQ(o.nargs, 0);
    char *c2[] = {"x", "-en3"};
    CHECK_EQ(mcumgr_cli_parse(2, c2, &o, err, sizeof err), 0);
    CHECK_EQ(o.image, 3);
    char *c3[] = {"x", "-ue=false", "-qn=1"};
    CHECK_EQ(mcumgr_cli_parse(3, c3, &o, err, sizeof err), 0);
    CHECK_EQ(o.upgrade, 1);
    CHECK_EQ(o.noerase, 0);
    CHECK_EQ(o.quiet, 1);
    CHECK_EQ(o.image, 1);
    char *c4[] = {"x", "-ne", "2"}; /* -n takes the rest: "e" */
    CHECK(mcumgr_cli_parse(3, c4, &o, err, sizeof err) != 0);
    CHECK(strstr(err, "'e'") != NULL);
    char *c5[] = {"x", "-ez"};
    CHECK(mcumgr_cli_parse(2, c5, &o, err, sizeof err) != 0);
    CHECK(strstr(err, "'z'") != NULL);
    char *c6[] = {"x", "-en"}; /* -n at the end with nothing after it */
    CHECK(mcumgr_cli_parse(2, c6, &o, err, sizeof err) != 0);
    char *c7[] = {"x", "-ldebug", "-t3"};
    CHECK_EQ(mcumgr_cli_parse(3, c7, &o, err, sizeof err), 0);
    CHECK_EQ(o.debug, 1);
    CHECK(o.timeout_s > 2.9 && o.timeout_s < 3.1);
}

int main(void)
{
    test_udp();
    test_serial();
    test_ble();
    test_line_chars();
    test_cli();
    return tu_finish("mcumgr_conn");
}
