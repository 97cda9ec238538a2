package dev.agentbus.node.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentbus.actors.bus.Registration;
import dev.agentbus.actors.model.MaciRole;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The body of {@code POST /api/v1/agents/register}: {@code {name, type, capabilities, metadata?}}. The
 * MACI role comes from {@code metadata.maciRole} when given (else the bus's default role), the tenant
 * from the caller. {@code agentId} is an extension the SDKs never send: a caller that wants a stable id
 * can ask for one, and gets 409 if it is taken.
 */
final class RegisterRequest {
  private RegisterRequest() {}

  static final String MACI_ROLE_KEY = "maciRole";
  static final String MACI_ROLES = "executive, legislative, judicial";
  static final int MAX_ID_LENGTH = 128;
  private static final Pattern AGENT_ID = Pattern.compile("[A-Za-z0-9._:@-]{1," + MAX_ID_LENGTH + "}");

  static Registration parse(ObjectNode body, Caller caller) {
    Fields f = new Fields(body);
    String agentId = f.optionalString("agentId", MAX_ID_LENGTH);
    if (agentId != null && !AGENT_ID.matcher(agentId).matches()) {
      f.fail("agentId", "may contain only letters, digits and . _ : @ -");
    }
    String name = f.requiredString("name", 255);
    String type = f.requiredString("type", 128);
    List<String> capabilities = f.requiredStringList("capabilities", 256, 128);
    Map<String, String> metadata = f.stringMap("metadata", 64, 1024);
    MaciRole role = null;
    String roleText = metadata.get(MACI_ROLE_KEY);
    if (roleText != null) {
      role = MaciRole.parse(roleText).orElse(null);
      if (role == null) f.fail("metadata." + MACI_ROLE_KEY, "must be one of " + MACI_ROLES);
    }
    Hashes.checkBodyHash(f);
    f.check();
    return new Registration(agentId, name, type, caller.tenantId(), role, capabilities, metadata);
  }
}
