import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.solr.core.CoreContainer;
import org.apache.solr.embedded.JettyConfig;
import org.apache.solr.embedded.JettySolrRunner;

/**
 * Starts a standalone Solr 9 node (no ZooKeeper) for the local CKAN stack.
 *
 * <p>JettySolrRunner logs a core that fails to load and carries on, which would
 * leave CKAN talking to a node without its index. This launcher checks every
 * expected core after start-up and exits with status 2, printing Solr's own
 * reason, when one is missing.
 *
 * <p>Usage: {@code java LocalSolr SOLR_HOME PORT core1,core2}
 */
public final class LocalSolr {

    private LocalSolr() {
    }

    public static void main(String[] args) {
        try {
            run(args);
        } catch (Throwable error) {
            // Jetty and Solr leave non-daemon threads behind: exit explicitly so
            // the caller sees the failure instead of a process that never serves.
            System.err.println("SOLR CORE FAILED: " + rootCause(error));
            System.exit(2);
        }
    }

    private static void run(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: LocalSolr SOLR_HOME PORT CORE[,CORE...]");
            System.exit(64);
        }
        String home = args[0];
        int port = Integer.parseInt(args[1]);
        String[] cores = args[2].split(",");

        JettyConfig config = JettyConfig.builder()
                .setPort(port)
                .setContext("/solr")
                .stopAtShutdown(true)
                .waitForLoadingCoresToFinish(300_000L)
                .build();
        JettySolrRunner runner = new JettySolrRunner(home, config);
        runner.start();

        List<String> problems = missingCores(runner.getCoreContainer(), cores);
        if (!problems.isEmpty()) {
            for (String problem : problems) {
                System.err.println("SOLR CORE FAILED: " + problem);
            }
            runner.stop();
            System.exit(2);
        }
        System.out.println("Solr ready at " + runner.getBaseUrl() + " with cores " + args[2]);
        System.out.flush();
        Thread.currentThread().join();
    }

    private static List<String> missingCores(CoreContainer container, String[] cores) {
        List<String> problems = new ArrayList<>();
        Map<String, CoreContainer.CoreLoadFailure> failures = container.getCoreInitFailures();
        List<String> loaded = container.getLoadedCoreNames();
        for (String core : cores) {
            CoreContainer.CoreLoadFailure failure = failures.get(core);
            if (failure != null) {
                problems.add(core + ": " + rootCause(failure.exception));
            } else if (!loaded.contains(core)) {
                problems.add(core + ": not found under the Solr home (no core.properties?)");
            }
        }
        return problems;
    }

    private static String rootCause(Throwable error) {
        StringBuilder reason = new StringBuilder(String.valueOf(error.getMessage()));
        Throwable cause = error.getCause();
        while (cause != null && cause != cause.getCause()) {
            reason.append(" <- ").append(cause.getMessage());
            cause = cause.getCause();
        }
        return reason.toString();
    }
}
