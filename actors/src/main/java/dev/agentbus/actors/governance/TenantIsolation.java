package dev.agentbus.actors.governance;

import dev.agentbus.actors.model.AgentMessage;
import dev.agentbus.actors.model.AgentProfile;
import dev.agentbus.actors.model.Tenants;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Step 4 (inventory 1.4 step 1): a registered sender or recipient must belong to the message's tenant.
 * Unregistered endpoints are not checked here (routing refuses unknown recipients; MACI refuses
 * unknown senders). Both mismatches are reported, as the original did.
 */
final class TenantIsolation {

  private TenantIsolation() {}

  static List<Reason> check(AgentMessage m, AgentProfile sender, AgentProfile recipient) {
    String messageTenant = Tenants.normalize(m.tenantId());
    List<Reason> reasons = new ArrayList<>(2);
    if (sender != null && !Objects.equals(Tenants.normalize(sender.tenantId()), messageTenant)) {
      reasons.add(mismatch(messageTenant, "sender", sender.tenantId()));
    }
    if (recipient != null && !Objects.equals(Tenants.normalize(recipient.tenantId()), messageTenant)) {
      reasons.add(mismatch(messageTenant, "recipient", recipient.tenantId()));
    }
    return reasons;
  }

  private static Reason mismatch(String messageTenant, String side, String agentTenant) {
    return new Reason(ReasonCodes.TENANT_MISMATCH,
        "Tenant mismatch: message tenant_id '" + Tenants.display(messageTenant)
            + "' does not match " + side + " tenant_id '" + Tenants.display(agentTenant) + "'");
  }
}
