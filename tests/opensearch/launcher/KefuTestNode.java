// A single OpenSearch node for the kefu adapter's tests, started from Maven Central jars.
// Plugins are passed as classes (the way the test framework's MockNode does it) instead of being
// installed from zips, so no distribution, no plugin CLI and no security manager are needed.
//
// usage: java -Dlog4j2.configurationFile=<log4j2.properties> -cp <jars>:<dir of this class> KefuTestNode <home> <port>
// It prints "KEFU_NODE_READY http=<host:port>" once started and stops on stdin EOF or SIGTERM.

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.http.HttpServerTransport;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;

public final class KefuTestNode extends Node {

    private KefuTestNode(Environment env, Collection<Class<? extends Plugin>> plugins) {
        super(env, plugins, true);
    }

    @SuppressWarnings("unchecked")
    private static Collection<Class<? extends Plugin>> plugins() throws ClassNotFoundException {
        List<Class<? extends Plugin>> plugins = new ArrayList<>();
        String[] names = {
            "org.opensearch.transport.Netty4Plugin", // HTTP + transport
            "org.opensearch.analysis.common.CommonAnalysisPlugin", // cjk analyzer, cjk_bigram filter
            "org.opensearch.painless.PainlessPlugin", // k-NN declares it as extended plugin
            "org.opensearch.knn.plugin.KNNPlugin", // knn_vector, Lucene HNSW engine (pure Java)
        };
        for (String name : names) {
            plugins.add((Class<? extends Plugin>) Class.forName(name));
        }
        return plugins;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: KefuTestNode <home dir> <http port>");
            System.exit(2);
        }
        Path home = Paths.get(args[0]).toAbsolutePath();
        Files.createDirectories(home.resolve("config"));
        Settings settings = Settings.builder()
            .put("path.home", home.toString())
            .put("path.data", home.resolve("data").toString())
            .put("path.logs", home.resolve("logs").toString())
            .put("cluster.name", "kefu-test")
            .put("node.name", "kefu-test-node")
            .put("discovery.type", "single-node")
            .put("network.host", "127.0.0.1")
            .put("http.port", args[1])
            .put("transport.port", "0")
            .put("http.type", "netty4")
            .put("transport.type", "netty4")
            // a test node: no disk watermarks (CI disks may be full-ish), no ML-style memory locks
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            .put("action.auto_create_index", false)
            .build();
        Environment env = InternalSettingsPreparer.prepareEnvironment(settings, java.util.Collections.emptyMap(), home.resolve("config"), () -> "kefu-test-node");
        KefuTestNode node = new KefuTestNode(env, plugins());

        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
                node.awaitClose(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                e.printStackTrace();
            }
        }));
        node.start();
        HttpServerTransport http = node.injector().getInstance(HttpServerTransport.class);
        System.out.println("KEFU_NODE_READY http=" + http.boundAddress().publishAddress());
        System.out.flush();

        // The parent owns our lifetime: when its end of stdin closes (it exited or asked us to stop),
        // leave, so that a crashed test run never leaves a node behind.
        Thread watcher = new Thread(() -> {
            try {
                while (System.in.read() != -1) {
                    // ignore input
                }
            } catch (Exception ignored) {
                // stdin gone: same as EOF
            }
            stop.countDown();
        }, "stdin-watcher");
        watcher.setDaemon(true);
        watcher.start();
        stop.await();
        System.exit(0);
    }
}
