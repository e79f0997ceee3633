package io.dlog.cluster.internal;

import io.dlog.cluster.MetadataCommand;
import io.dlog.log.metadata.AclImage;
import io.dlog.log.metadata.ClientQuotasImage;
import io.dlog.log.metadata.QuotaEntity;
import io.dlog.log.metadata.ScramCredentialImage;
import io.dlog.log.metadata.SecurityImage;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The security part of {@link MetadataCodec}: SCRAM, ACL and client quota commands, the image's security
 * section (credentials in user and mechanism order, ACLs in their order, so equal images have equal
 * bytes) and its client quotas section. Stateless.
 */
final class SecurityCodec {
    static final byte ALTER_SCRAM_CREDENTIALS = 30;
    static final byte CREATE_ACLS = 31;
    static final byte DELETE_ACLS = 32;
    static final byte ALTER_CLIENT_QUOTAS = 33;

    private SecurityCodec() {
    }

    static boolean writeCommand(DataOutputStream out, MetadataCommand command) throws IOException {
        if (command instanceof MetadataCommand.AlterScramCredentials c) {
            out.writeByte(ALTER_SCRAM_CREDENTIALS);
            out.writeInt(c.upserts().size());
            for (MetadataCommand.ScramUpsert upsert : c.upserts()) {
                MetadataCodec.writeString(out, upsert.user());
                MetadataCodec.writeString(out, upsert.mechanism());
                writeCredential(out, upsert.credential());
            }
            out.writeInt(c.deletions().size());
            for (MetadataCommand.ScramDeletion deletion : c.deletions()) {
                MetadataCodec.writeString(out, deletion.user());
                MetadataCodec.writeString(out, deletion.mechanism());
            }
        } else if (command instanceof MetadataCommand.CreateAcls c) {
            out.writeByte(CREATE_ACLS);
            writeAcls(out, c.acls());
        } else if (command instanceof MetadataCommand.DeleteAcls c) {
            out.writeByte(DELETE_ACLS);
            writeAcls(out, c.acls());
        } else if (command instanceof MetadataCommand.AlterClientQuotas c) {
            out.writeByte(ALTER_CLIENT_QUOTAS);
            out.writeInt(c.changes().size());
            for (MetadataCommand.QuotaChange change : c.changes()) {
                writeEntity(out, change.entity());
                MetadataCodec.writeString(out, change.key());
                out.writeBoolean(change.value() != null);
                if (change.value() != null) {
                    out.writeDouble(change.value());
                }
            }
        } else {
            return false;
        }
        return true;
    }

    /** The command of this type, which is one of this class's. */
    static MetadataCommand readCommand(DataInputStream in, byte type) throws IOException {
        switch (type) {
            case ALTER_SCRAM_CREDENTIALS: {
                int upsertCount = MetadataCodec.count(in);
                List<MetadataCommand.ScramUpsert> upserts = new ArrayList<>(upsertCount);
                for (int i = 0; i < upsertCount; i++) {
                    upserts.add(new MetadataCommand.ScramUpsert(MetadataCodec.readString(in), MetadataCodec.readString(in),
                            readCredential(in)));
                }
                int deletionCount = MetadataCodec.count(in);
                List<MetadataCommand.ScramDeletion> deletions = new ArrayList<>(deletionCount);
                for (int i = 0; i < deletionCount; i++) {
                    deletions.add(new MetadataCommand.ScramDeletion(MetadataCodec.readString(in), MetadataCodec.readString(in)));
                }
                return new MetadataCommand.AlterScramCredentials(upserts, deletions);
            }
            case CREATE_ACLS:
                return new MetadataCommand.CreateAcls(readAcls(in));
            case DELETE_ACLS:
                return new MetadataCommand.DeleteAcls(readAcls(in));
            case ALTER_CLIENT_QUOTAS: {
                int n = MetadataCodec.count(in);
                List<MetadataCommand.QuotaChange> changes = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    changes.add(new MetadataCommand.QuotaChange(readEntity(in), MetadataCodec.readString(in),
                            in.readBoolean() ? in.readDouble() : null));
                }
                return new MetadataCommand.AlterClientQuotas(changes);
            }
            default:
                throw new IOException("unknown metadata command type " + type);
        }
    }

    static boolean isSecurityCommand(byte type) {
        return type == ALTER_SCRAM_CREDENTIALS || type == CREATE_ACLS || type == DELETE_ACLS || type == ALTER_CLIENT_QUOTAS;
    }

    static void writeImage(DataOutputStream out, SecurityImage security) throws IOException {
        out.writeInt(security.scramCredentials().size());
        for (Map.Entry<String, Map<String, ScramCredentialImage>> user : new TreeMap<>(security.scramCredentials()).entrySet()) {
            MetadataCodec.writeString(out, user.getKey());
            out.writeInt(user.getValue().size());
            for (Map.Entry<String, ScramCredentialImage> credential : new TreeMap<>(user.getValue()).entrySet()) {
                MetadataCodec.writeString(out, credential.getKey());
                writeCredential(out, credential.getValue());
            }
        }
        writeAcls(out, security.acls());
    }

    static SecurityImage readImage(DataInputStream in) throws IOException {
        int users = MetadataCodec.count(in);
        Map<String, Map<String, ScramCredentialImage>> credentials = new HashMap<>();
        for (int i = 0; i < users; i++) {
            String user = MetadataCodec.readString(in);
            int mechanisms = MetadataCodec.count(in);
            Map<String, ScramCredentialImage> byMechanism = new HashMap<>();
            for (int j = 0; j < mechanisms; j++) {
                byMechanism.put(MetadataCodec.readString(in), readCredential(in));
            }
            credentials.put(user, byMechanism);
        }
        return new SecurityImage(credentials, readAcls(in));
    }

    /** The client quotas, entities in their text order and keys in order (an image section of its own). */
    static void writeQuotas(DataOutputStream out, ClientQuotasImage quotas) throws IOException {
        List<Map.Entry<QuotaEntity, Map<String, Double>>> entities = new ArrayList<>(quotas.entities().entrySet());
        entities.sort(Comparator.comparing(e -> e.getKey().parts().toString()));
        out.writeInt(entities.size());
        for (Map.Entry<QuotaEntity, Map<String, Double>> entity : entities) {
            writeEntity(out, entity.getKey());
            out.writeInt(entity.getValue().size());
            for (Map.Entry<String, Double> value : new TreeMap<>(entity.getValue()).entrySet()) {
                MetadataCodec.writeString(out, value.getKey());
                out.writeDouble(value.getValue());
            }
        }
    }

    static ClientQuotasImage readQuotas(DataInputStream in) throws IOException {
        int n = MetadataCodec.count(in);
        Map<QuotaEntity, Map<String, Double>> entities = new HashMap<>();
        for (int i = 0; i < n; i++) {
            QuotaEntity entity = readEntity(in);
            int values = MetadataCodec.count(in);
            Map<String, Double> byKey = new HashMap<>();
            for (int j = 0; j < values; j++) {
                byKey.put(MetadataCodec.readString(in), in.readDouble());
            }
            entities.put(entity, byKey);
        }
        return new ClientQuotasImage(entities);
    }

    private static void writeEntity(DataOutputStream out, QuotaEntity entity) throws IOException {
        out.writeInt(entity.parts().size());
        for (QuotaEntity.Part part : entity.parts()) {
            MetadataCodec.writeString(out, part.type());
            MetadataCodec.writeString(out, part.name());
        }
    }

    private static QuotaEntity readEntity(DataInputStream in) throws IOException {
        int n = MetadataCodec.count(in);
        List<QuotaEntity.Part> parts = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            parts.add(new QuotaEntity.Part(MetadataCodec.readString(in), MetadataCodec.readString(in)));
        }
        return new QuotaEntity(parts);
    }

    private static void writeCredential(DataOutputStream out, ScramCredentialImage credential) throws IOException {
        MetadataCodec.writeString(out, credential.salt());
        MetadataCodec.writeString(out, credential.storedKey());
        MetadataCodec.writeString(out, credential.serverKey());
        out.writeInt(credential.iterations());
    }

    private static ScramCredentialImage readCredential(DataInputStream in) throws IOException {
        return new ScramCredentialImage(MetadataCodec.readString(in), MetadataCodec.readString(in),
                MetadataCodec.readString(in), in.readInt());
    }

    private static void writeAcls(DataOutputStream out, List<AclImage> acls) throws IOException {
        out.writeInt(acls.size());
        for (AclImage acl : acls) {
            out.writeByte(acl.resourceType());
            MetadataCodec.writeString(out, acl.resourceName());
            out.writeByte(acl.patternType());
            MetadataCodec.writeString(out, acl.principal());
            MetadataCodec.writeString(out, acl.host());
            out.writeByte(acl.operation());
            out.writeByte(acl.permission());
        }
    }

    private static List<AclImage> readAcls(DataInputStream in) throws IOException {
        int n = MetadataCodec.count(in);
        List<AclImage> acls = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            acls.add(new AclImage(in.readByte(), MetadataCodec.readString(in), in.readByte(), MetadataCodec.readString(in),
                    MetadataCodec.readString(in), in.readByte(), in.readByte()));
        }
        return acls;
    }
}
