/// The `--help` texts.
enum LoadTestHelp {
    static let overview = """
        switchboard loadtest: play the providers, workflow engines and operators against a router,
        check every answer, and measure latency without coordinated omission.

          loadtest seed  --data DIR --numbers N [data-set options]   write a data directory to serve
          loadtest run   --numbers N [data-set options] [run options] one run (closed loop, or --rate)
          loadtest sweep --numbers N --rates R1,R2,… [options]        open-loop runs, latency vs throughput
          loadtest simulate --numbers N [--listen HOST:PORT]          the providers, holding the data set
          loadtest wrk-script --numbers N --out FILE                  the same signed webhooks, for wrk

        The data set is made from its options alone, so seed and run agree on every number, agent
        and secret: give both the same --numbers, --seed, --accounts and mixes. A run with --writes
        moves numbers in the router, and afterwards puts them back with their seeded agents (unless
        --no-restore); if that cannot finish it says so: then seed a fresh directory.
        Each subcommand has --help.
        """

    static let dataSetOptions = """
        data-set options:
          --numbers N           phone numbers, the unknown ones included (required)
          --seed S              data-set seed (default 1)
          --accounts A          accounts the numbers are spread over (default 4)
          --number-mix W        routed=85,unknown=5,unassigned=4,inactive_number=3,inactive_agent=3
          --provider-mix W      retell=1,vapi=1,bland=1
          --idle-agents X       spare agents per routed number, for reassignments (default 0.1)
          --providers-url URL   the connections' base_url, + /retell, /vapi, /bland: the provider
                                simulator (default http://127.0.0.1:8090; seed only, nothing leaves the machine)
        """

    static let seed = """
        loadtest seed --data DIR --numbers N [data-set options]

        Writes the data set into a new data directory DIR (refused if DIR already holds state).
        Serve it with `switchboard serve --data DIR`, then load it with the same data-set options.

        """ + "\n" + dataSetOptions

    static let simulate = """
        loadtest simulate --numbers N [data-set options] [--listen HOST:PORT]

        The provider simulator (default 127.0.0.1:8090, the data set's --providers-url) holding the
        data set's accounts and active numbers with their provider ids, so that the router's pushes
        on reassignments succeed during a run. Runs until SIGTERM or Ctrl-C.

        """ + "\n" + dataSetOptions

    static let wrkScript = """
        loadtest wrk-script --numbers N [data-set options] --out FILE [--provider P] [--count K] [--target HOST:PORT]

        Writes a Lua script for wrk (`wrk -s FILE`) that replays K (default 1000) of the harness's
        signed inbound-call webhooks of provider P (default retell) to routed numbers, as raw
        requests with Host HOST:PORT. The signatures carry the time: use the script within 5 minutes.

        """ + "\n" + dataSetOptions

    static let runOptions = """
        run options:
          --target HOST:PORT    the router (default 127.0.0.1:8080; numeric addresses only)
          --connections C       keep-alive connections (default 64)
          --threads T           load threads (default 2)
          --duration S          measured seconds (default 10)
          --warmup S            seconds before that, checked but not measured (default 2)
          --timeout S           an answer later than this after sending is a timeout (default 2)
          --mix W               retell=1,vapi=1,bland=1,caller-id=0: shares of the traffic
          --writes R            operator reassignments/unassignments per second (default 0)
          --write-connections K connections for the writes, one write in flight each (default 16)
          --reassign-share X    of writes on assigned numbers, the share that move rather than unassign (0.7)
          --admin-token T       for caller-ID look-ups and writes (default $SWITCHBOARD_ADMIN_TOKEN)
          --pool N              numbers per provider (and agents) with a prepared request (default 20000)
          --request-seed S      seed of the request order (default 1)
          --json FILE           write the result as JSON
          --svg FILE            write the latency distribution (run) or the sweep curve (sweep) as SVG
          --quiet               no progress lines on stderr
          --no-restore          after --writes, leave the moved numbers where they are
          --ceiling             against a server answering a fixed 200 (nginx): same requests and timing,
                                any 2xx counts; bodies are not judged (never use it on the router)
        """

    static let run = """
        loadtest run --numbers N [data-set options] [run options] [--rate R]

        Closed loop by default: every connection sends its next request when the previous answer
        arrives. With --rate R, open loop: requests fall due at R per second in total, wait for a
        free connection if all are busy, and their latency counts from when they were due.
        Prints a report (stdout) and progress once a second (stderr). Exit 1 on any wrong answer.

        """ + "\n" + dataSetOptions + "\n" + runOptions

    static let sweep = """
        loadtest sweep --numbers N --rates R1,R2,… [data-set options] [run options]

        One open-loop run per rate, in order; prints target and achieved rate with p50 and p99,
        and with --svg draws p50/p99 latency against achieved throughput.

        """ + "\n" + dataSetOptions + "\n" + runOptions

    static func describe(_ configuration: LoadConfiguration) -> String {
        let mode: String
        switch configuration.mode {
        case .closedLoop: mode = "closed loop"
        case .openLoop(let rate): mode = "open loop at \(Format.fixed(rate, 0))/s"
        }
        return "\(mode) against \(configuration.host):\(configuration.port), \(configuration.connections) connections, \(configuration.threads) threads, "
            + "\(Format.fixed(configuration.warmup, 1)) s warm-up + \(Format.fixed(configuration.duration, 1)) s"
    }
}
