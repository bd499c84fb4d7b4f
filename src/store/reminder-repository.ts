import { z } from 'zod';
import type { ReminderEntry, ReminderStore } from '../domain/ports';
import type { PendingReminder, ReminderCard, ReminderPin } from '../domain/reminders';
import { MalformedItemError } from './errors';
import { keys, readCard } from './items';
import { names, type Item, type Key, type TableClient } from './table-client';

/** Due times are epoch seconds, zero-padded so that the sort key orders them. */
const DUE_DIGITS = 12;
const INDEX_PK = 'reminders#due';

/** The index item of a card in the reminder index (pk `reminders#due`, sk `<dueS padded>#<findingId>`). */
export function reminderIndexKey(dueS: number, findingId: string): Key {
  return { pk: INDEX_PK, sk: `${pad(dueS)}#${findingId}` };
}

const pendingSchema = z.looseObject({
  id: z.string(),
  kind: z.enum(['unowned', 'owned']),
  text: z.string(),
  owner: z.string().optional(),
  postingBy: z.string().optional(),
  postingUntil: z.number().optional(),
}) satisfies z.ZodType<PendingReminder>;

const reminderFieldsSchema = z.looseObject({
  reminderBase: z.number().optional(),
  remindersSent: z.number().optional(),
  ownedReminderFor: z.number().optional(),
  pendingReminder: pendingSchema.optional(),
});

const entrySchema = z.looseObject({ findingId: z.string(), dueS: z.number() });

/**
 * The reminder index and the reminder fields of card records. The index is a partition of its own, read with one
 * Query (`sk < <now + 1 padded>`), soonest first; it only says where to look: the card record decides, and a
 * reminder is sent only after its conditional write there (see `recordReminder`).
 */
export class ReminderRepository implements ReminderStore {
  constructor(private readonly table: TableClient) {}

  async scheduleReminders(findingId: string, baseS: number, dueS: number): Promise<void> {
    await this.table.updateIf({
      Key: keys.card(findingId),
      UpdateExpression: 'SET #reminderBase = if_not_exists(#reminderBase, :base)',
      ConditionExpression: 'attribute_exists(#pk)',
      ExpressionAttributeNames: names('pk', 'reminderBase'),
      ExpressionAttributeValues: { ':base': baseS },
    });
    await this.table.put({ ...reminderIndexKey(dueS, findingId), findingId, dueS });
  }

  async dueReminders(nowS: number, limit: number): Promise<ReminderEntry[]> {
    const items = await this.table.queryFirst(
      {
        KeyConditionExpression: '#pk = :pk AND #sk < :upper',
        ExpressionAttributeNames: names('pk', 'sk'),
        ExpressionAttributeValues: { ':pk': INDEX_PK, ':upper': pad(Math.floor(nowS) + 1) },
      },
      limit,
    );
    const entries: ReminderEntry[] = [];
    for (const item of items) {
      const parsed = entrySchema.safeParse(item);
      if (parsed.success) entries.push({ findingId: parsed.data.findingId, dueS: parsed.data.dueS });
      // Not one of ours as written: removed, so that it cannot stay at the head of the index.
      else await this.table.deleteIf({ Key: { pk: INDEX_PK, sk: String(item['sk']) }, ...EXISTS });
    }
    return entries;
  }

  async rescheduleReminder(entry: ReminderEntry, dueS: number): Promise<void> {
    if (Math.floor(dueS) === entry.dueS) return;
    await this.table.put({ ...reminderIndexKey(Math.floor(dueS), entry.findingId), findingId: entry.findingId, dueS: Math.floor(dueS) });
    await this.unscheduleReminder(entry);
  }

  async unscheduleReminder(entry: ReminderEntry): Promise<void> {
    await this.table.deleteIf({ Key: reminderIndexKey(entry.dueS, entry.findingId), ...EXISTS });
  }

  async getReminderCard(findingId: string): Promise<ReminderCard | undefined> {
    const item = await this.table.get(keys.card(findingId));
    return item && readReminderCard(item);
  }

  async recordReminder(findingId: string, reminder: PendingReminder, pin: ReminderPin): Promise<boolean> {
    const common =
      'attribute_exists(#pk) AND attribute_not_exists(#pendingReminder) AND #archived = :false AND ' +
      '(attribute_not_exists(#status) OR #status <> :resolved)';
    const updated =
      pin.kind === 'unowned'
        ? await this.table.updateIf({
            Key: keys.card(findingId),
            UpdateExpression: 'SET #remindersSent = :sent, #pendingReminder = :pending',
            ConditionExpression:
              `${common} AND attribute_not_exists(#owner) AND ` +
              (pin.sentBefore === 0 ? '(attribute_not_exists(#remindersSent) OR #remindersSent = :before)' : '#remindersSent = :before'),
            ExpressionAttributeNames: names('pk', 'pendingReminder', 'archived', 'status', 'owner', 'remindersSent'),
            ExpressionAttributeValues: {
              ':sent': pin.sent,
              ':before': pin.sentBefore,
              ':pending': reminder,
              ':false': false,
              ':resolved': 'resolved',
            },
          })
        : await this.table.updateIf({
            Key: keys.card(findingId),
            UpdateExpression: 'SET #ownedReminderFor = :since, #pendingReminder = :pending',
            ConditionExpression:
              `${common} AND #owner = :owner AND #ownedSince = :since AND ` +
              '(attribute_not_exists(#ownedReminderFor) OR #ownedReminderFor <> :since)',
            ExpressionAttributeNames: names('pk', 'pendingReminder', 'archived', 'status', 'owner', 'ownedSince', 'ownedReminderFor'),
            ExpressionAttributeValues: {
              ':since': pin.ownedSince,
              ':owner': pin.owner,
              ':pending': reminder,
              ':false': false,
              ':resolved': 'resolved',
            },
          });
    return updated !== undefined;
  }

  async claimPendingReminder(
    findingId: string,
    reminderId: string,
    by: string,
    untilS: number,
    nowS: number,
  ): Promise<ReminderCard | undefined> {
    const updated = await this.table.updateIf({
      Key: keys.card(findingId),
      UpdateExpression: 'SET #pendingReminder.#postingBy = :by, #pendingReminder.#postingUntil = :until',
      ConditionExpression:
        '#pendingReminder.#id = :id AND (attribute_not_exists(#pendingReminder.#postingUntil) OR #pendingReminder.#postingUntil <= :now)',
      ExpressionAttributeNames: names('pendingReminder', 'postingBy', 'postingUntil', 'id'),
      ExpressionAttributeValues: { ':by': by, ':until': untilS, ':id': reminderId, ':now': nowS },
    });
    return updated && readReminderCard(updated);
  }

  async clearPendingReminder(findingId: string, reminderId: string): Promise<boolean> {
    const updated = await this.table.updateIf({
      Key: keys.card(findingId),
      UpdateExpression: 'REMOVE #pendingReminder',
      ConditionExpression: '#pendingReminder.#id = :id',
      ExpressionAttributeNames: names('pendingReminder', 'id'),
      ExpressionAttributeValues: { ':id': reminderId },
    });
    return updated !== undefined;
  }
}

/** A card record with its reminder fields checked (a malformed pending reminder makes the record malformed). */
export function readReminderCard(item: Item): ReminderCard {
  const card = readCard(item);
  const parsed = reminderFieldsSchema.safeParse(item);
  if (!parsed.success) throw new MalformedItemError(`The item ${String(item['pk'])} card has malformed reminder fields`);
  const { reminderBase, remindersSent, ownedReminderFor, pendingReminder } = parsed.data;
  return {
    ...card,
    ...(reminderBase !== undefined ? { reminderBase } : {}),
    ...(remindersSent !== undefined ? { remindersSent } : {}),
    ...(ownedReminderFor !== undefined ? { ownedReminderFor } : {}),
    ...(pendingReminder !== undefined ? { pendingReminder } : {}),
  };
}

const EXISTS = { ConditionExpression: 'attribute_exists(#pk)', ExpressionAttributeNames: names('pk') };

function pad(s: number): string {
  return String(Math.max(0, Math.floor(s))).padStart(DUE_DIGITS, '0');
}
