package io.captier.stack;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.BeanDeserializerBuilder;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Kubernetes manifests read into fabric8's models, strictly: fabric8 keeps any field it does not
 * know in an "additionalProperties" map (so a typo like "resource:" is silently ignored, as
 * kubectl would with --validate=false); here the models lose that catch-all and Jackson fails on
 * any unknown property, naming it. A kind fabric8 does not know is refused too, except
 * CloudNativePG's Cluster, checked against its API's field names.
 */
final class KubernetesManifests {

    private final ObjectMapper mapper = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
            .registerModule(new SimpleModule("strict-fabric8").setDeserializerModifier(new BeanDeserializerModifier() {
                @Override
                public BeanDeserializerBuilder updateBuilder(DeserializationConfig config, BeanDescription bean,
                        BeanDeserializerBuilder builder) {
                    if (bean.getBeanClass().getName().startsWith("io.fabric8.")) {
                        builder.setAnySetter(null);
                    }
                    return builder;
                }
            }));
    private final KubernetesSerialization serialization = new KubernetesSerialization(mapper, true);

    /** One document of a manifest file. */
    record Document(String kind, String name, JsonNode tree, KubernetesResource model) {
    }

    /** Every document of a multi-document YAML file, each read into its model class. */
    List<Document> read(Path file) {
        List<Document> docs = new ArrayList<>();
        try (var parser = MonitoringQueries.YAML.createParser(file.toFile())) {
            Iterator<JsonNode> it = MonitoringQueries.YAML.readValues(parser, JsonNode.class);
            while (it.hasNext()) {
                JsonNode doc = it.next();
                if (doc == null || doc.isNull() || doc.isEmpty()) {
                    continue;
                }
                docs.add(read(file, doc));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
        return docs;
    }

    Document read(Path file, JsonNode doc) {
        String apiVersion = doc.path("apiVersion").asText();
        String kind = doc.path("kind").asText();
        String name = doc.path("metadata").path("name").asText();
        if (apiVersion.equals("postgresql.cnpg.io/v1") && kind.equals("Cluster")) {
            checkCnpgCluster(file, doc);
            return new Document(kind, name, doc, null);
        }
        if (apiVersion.equals("postgresql.cnpg.io/v1") && kind.equals("ScheduledBackup")) {
            onlyKnown(file + ": ScheduledBackup", doc, CLUSTER_TOP);
            onlyKnown(file + ": ScheduledBackup spec", doc.path("spec"), SCHEDULED_BACKUP_SPEC);
            return new Document(kind, name, doc, null);
        }
        Class<? extends KubernetesResource> type = serialization.getRegisteredKubernetesResource(apiVersion, kind);
        if (type == null) {
            throw new IllegalArgumentException(file + ": unknown kind " + apiVersion + "/" + kind);
        }
        KubernetesResource model;
        try {
            model = serialization.convertValue(doc, type);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + kind + " " + name + ": " + e.getMessage(), e);
        }
        if (model instanceof HasMetadata m && (m.getMetadata() == null || m.getMetadata().getName() == null)) {
            throw new IllegalArgumentException(file + ": " + kind + " without metadata.name");
        }
        return new Document(kind, name, doc, model);
    }

    // CloudNativePG's Cluster API (postgresql.cnpg.io/v1), the fields this project may use.
    private static final Set<String> CLUSTER_TOP = Set.of("apiVersion", "kind", "metadata", "spec");
    private static final Set<String> CLUSTER_SPEC = Set.of("description", "inheritedMetadata", "imageName",
            "imageCatalogRef", "imagePullPolicy", "schedulerName", "postgresUID", "postgresGID", "instances",
            "minSyncReplicas", "maxSyncReplicas", "postgresql", "replicationSlots", "bootstrap", "replica",
            "superuserSecret", "enableSuperuserAccess", "certificates", "imagePullSecrets", "storage",
            "serviceAccountTemplate", "walStorage", "ephemeralVolumeSource", "startDelay", "stopDelay",
            "smartShutdownTimeout", "switchoverDelay", "failoverDelay", "livenessProbeTimeout", "affinity",
            "topologySpreadConstraints", "resources", "ephemeralVolumesSizeLimit", "priorityClassName",
            "primaryUpdateStrategy", "primaryUpdateMethod", "backup", "nodeMaintenanceWindow", "monitoring",
            "externalClusters", "logLevel", "projectedVolumeTemplate", "env", "envFrom", "managed",
            "seccompProfile", "tablespaces", "enablePDB", "plugins", "probes");
    private static final Map<String, Set<String>> CLUSTER_NESTED = Map.of(
            "postgresql", Set.of("parameters", "synchronous", "pg_hba", "pg_ident", "syncReplicaElectionConstraint",
                    "shared_preload_libraries", "ldap", "promotionTimeout", "enableAlterSystem", "extensions"),
            "bootstrap", Set.of("initdb", "recovery", "pg_basebackup"),
            "backup", Set.of("barmanObjectStore", "retentionPolicy", "target", "volumeSnapshot"),
            "storage", Set.of("storageClass", "size", "resizeInUseVolumes", "pvcTemplate"),
            "affinity", Set.of("enablePodAntiAffinity", "topologyKey", "nodeSelector", "nodeAffinity", "tolerations",
                    "podAntiAffinityType", "additionalPodAntiAffinity", "additionalPodAffinity"),
            "monitoring", Set.of("disableDefaultQueries", "customQueriesConfigMap", "customQueriesSecret",
                    "enablePodMonitor", "tls", "podMonitorMetricRelabelings", "podMonitorRelabelings"));
    private static final Set<String> SCHEDULED_BACKUP_SPEC = Set.of("schedule", "cluster", "immediate", "suspend",
            "backupOwnerReference", "method", "target", "online", "onlineConfiguration", "pluginConfiguration");
    private static final Set<String> CLUSTER_INITDB = Set.of("database", "owner", "secret", "options", "dataChecksums",
            "encoding", "localeCollate", "localeCType", "locale", "localeProvider", "icuLocale", "icuRules",
            "builtinLocale", "walSegmentSize", "postInitSQL", "postInitApplicationSQL", "postInitTemplateSQL",
            "postInitSQLRefs", "postInitApplicationSQLRefs", "postInitTemplateSQLRefs", "import");

    private void checkCnpgCluster(Path file, JsonNode doc) {
        String where = file + ": Cluster";
        onlyKnown(where, doc, CLUSTER_TOP);
        JsonNode spec = doc.path("spec");
        onlyKnown(where + " spec", spec, CLUSTER_SPEC);
        CLUSTER_NESTED.forEach((field, known) -> {
            if (spec.has(field)) {
                onlyKnown(where + " spec." + field, spec.get(field), known);
            }
        });
        if (spec.path("bootstrap").has("initdb")) {
            onlyKnown(where + " spec.bootstrap.initdb", spec.get("bootstrap").get("initdb"), CLUSTER_INITDB);
        }
        if (spec.has("resources")) {
            serialization.convertValue(spec.get("resources"), ResourceRequirements.class);
        }
        if (!spec.path("instances").canConvertToInt() || spec.get("instances").asInt() < 2) {
            throw new IllegalArgumentException(where + ": spec.instances must be 2 or more (a primary and a standby)");
        }
    }

    private static void onlyKnown(String where, JsonNode node, Set<String> known) {
        if (!node.isObject()) {
            throw new IllegalArgumentException(where + " is not an object");
        }
        node.fieldNames().forEachRemaining(f -> {
            if (!known.contains(f)) {
                throw new IllegalArgumentException(where + ": unknown field \"" + f + "\"");
            }
        });
    }
}
