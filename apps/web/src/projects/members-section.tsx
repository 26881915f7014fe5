import { type FormEvent, useState } from "react";
import { apiRoutes, call, getAll } from "../api/client.ts";
import type { Member, ProjectRole } from "../api/types.ts";
import { useSession } from "../api/use-session.ts";
import { ConfirmDialog } from "../ui/dialog.tsx";
import { ErrorMessage, Spinner } from "../ui/feedback.tsx";
import { useAction, useAsync } from "../ui/use-async.ts";

const ROLES: ProjectRole[] = ["viewer", "editor", "owner"];

export function MembersSection({ projectId, canManage }: { projectId: string; canManage: boolean }) {
  const session = useSession();
  const members = useAsync(
    (signal) => getAll(apiRoutes.members.list, { params: { id: projectId } }, { signal }),
    [projectId],
  );
  const [removing, setRemoving] = useState<Member | null>(null);
  const change = useAction(async (member: Member, role: ProjectRole) => {
    const updated = await call(apiRoutes.members.changeRole, {
      params: { id: projectId, userId: member.userId },
      body: { role },
    });
    members.setData((list) => list?.map((item) => (item.userId === updated.userId ? updated : item)));
    return updated;
  });

  return (
    <section className="card" aria-labelledby="members-title">
      <h2 id="members-title">Members</h2>
      {canManage && (
        <InviteForm
          projectId={projectId}
          onAdded={(member) => members.setData((list) => [...(list ?? []), member])}
        />
      )}
      {members.loading && <Spinner label="Loading members…" />}
      <ErrorMessage error={members.error} />
      <ErrorMessage error={change.error} onDismiss={change.clearError} />
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            {canManage && <th scope="col">Actions</th>}
          </tr>
        </thead>
        <tbody>
          {(members.data ?? []).map((member) => (
            <tr key={member.userId}>
              <td>
                {member.name}
                {member.userId === session?.user.id && <span className="muted"> (you)</span>}
              </td>
              <td>{member.email}</td>
              <td>
                {canManage ? (
                  <select
                    aria-label={`Role of ${member.name}`}
                    value={member.role}
                    disabled={change.busy}
                    onChange={(event) => void change.run(member, event.target.value as ProjectRole)}
                  >
                    {ROLES.map((role) => (
                      <option key={role} value={role}>
                        {role}
                      </option>
                    ))}
                  </select>
                ) : (
                  member.role
                )}
              </td>
              {canManage && (
                <td>
                  <button type="button" className="danger-link" onClick={() => setRemoving(member)}>
                    Remove<span className="visually-hidden"> {member.name}</span>
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {removing && (
        <ConfirmDialog
          title={`Remove ${removing.name}?`}
          message={<p>{removing.name} will lose access to this project at once, including open editors.</p>}
          confirmLabel="Remove member"
          onConfirm={async () => {
            await call(apiRoutes.members.remove, { params: { id: projectId, userId: removing.userId } });
            members.setData((list) => list?.filter((item) => item.userId !== removing.userId));
          }}
          onClose={() => setRemoving(null)}
        />
      )}
    </section>
  );
}

function InviteForm({ projectId, onAdded }: { projectId: string; onAdded: (member: Member) => void }) {
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<ProjectRole>("editor");
  const invite = useAction(async () => {
    const member = await call(apiRoutes.members.add, { params: { id: projectId }, body: { email, role } });
    onAdded(member);
    setEmail("");
    return member;
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void invite.run();
  };
  return (
    <form className="invite-form" onSubmit={submit} aria-label="Invite a member">
      <div className="form-row">
        <div className="field grow">
          <label htmlFor="invite-email">Invite by email</label>
          <input
            id="invite-email"
            type="email"
            value={email}
            onChange={(event) => setEmail(event.target.value)}
            required
            placeholder="teammate@example.com"
          />
        </div>
        <div className="field">
          <label htmlFor="invite-role">Role</label>
          <select
            id="invite-role"
            value={role}
            onChange={(event) => setRole(event.target.value as ProjectRole)}
          >
            {ROLES.map((option) => (
              <option key={option} value={option}>
                {option}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="primary" disabled={invite.busy}>
          {invite.busy ? "Inviting…" : "Invite"}
        </button>
      </div>
      <ErrorMessage error={invite.error} />
    </form>
  );
}
