import type { ChatMessage } from "../api/types.ts";
import { reactorNames } from "./message-list-model.ts";
import { QUICK_REACTIONS, ReactionGlyph, reactionLabel } from "./reactions.tsx";

type Reactions = ChatMessage["reactions"];

/** A message's reactions: each a toggle for one's own, saying who reacted. */
export function ReactionList({
  reactions,
  selfId,
  names,
  onReact,
}: {
  reactions: Reactions;
  selfId: string;
  names: ReadonlyMap<string, string>;
  onReact: (emoji: string, on: boolean) => void;
}) {
  return (
    <ul className="reactions" aria-label="Reactions">
      {reactions.map((reaction) => {
        const mine = reaction.userIds.includes(selfId);
        const who = reactorNames(reaction.userIds, selfId, names);
        return (
          <li key={reaction.emoji}>
            <button
              type="button"
              className="reaction"
              aria-pressed={mine}
              title={`${reactionLabel(reaction.emoji)}: ${who}`}
              onClick={() => onReact(reaction.emoji, !mine)}
            >
              <ReactionGlyph emoji={reaction.emoji} />
              <span className="reaction-count">{reaction.userIds.length}</span>
              <span className="visually-hidden">
                {" "}
                {reactionLabel(reaction.emoji)} from {who}
                {mine ? ". Press to take yours back" : ". Press to add yours"}
              </span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}

/** The quick reactions to choose from; Escape closes it (the message's react button takes the focus). */
export function ReactionPicker({
  reactions,
  selfId,
  onPick,
  onEscape,
}: {
  reactions: Reactions;
  selfId: string;
  onPick: (emoji: string, on: boolean) => void;
  onEscape: () => void;
}) {
  return (
    <div className="reaction-picker">
      {QUICK_REACTIONS.map((reaction) => {
        const mine = reactions.some(
          (existing) => existing.emoji === reaction.emoji && existing.userIds.includes(selfId),
        );
        return (
          <button
            key={reaction.emoji}
            type="button"
            className="icon-button"
            aria-pressed={mine}
            title={reaction.label}
            onClick={() => onPick(reaction.emoji, !mine)}
            onKeyDown={(event) => {
              if (event.key !== "Escape") return;
              event.stopPropagation();
              onEscape();
            }}
          >
            <ReactionGlyph emoji={reaction.emoji} />
            <span className="visually-hidden">React with {reaction.label}</span>
          </button>
        );
      })}
    </div>
  );
}
