/**
 * Signals, queries and updates of `sessionWorkflow`, declared once for the workflow, the client
 * and the `temporal` CLI (which uses the names: `temporal workflow signal --name addMessage`).
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  AddTaskInput,
  CompleteTaskInput,
  ContextSnapshot,
  EndInput,
  HandoffInput,
  HandoffResult,
  MessageInput,
  SendMessageResult,
  SessionContext,
  SessionTask,
} from './session';

/** Appends a message; order of arrival is the session order. Starts the session if needed. */
export const addMessageSignal = defineSignal<[MessageInput]>('addMessage');
/**
 * Appends a message and answers: a validator refuses bad input (naming the field) before it
 * enters the history; the result, once the database confirmed it, is the seq and whether the
 * message was stored, a resend (duplicate) or quarantined. For fire-and-forget use the signal.
 */
export const sendMessageUpdate = defineUpdate<SendMessageResult, [MessageInput]>('sendMessage');
/** Adds a task and returns it (with its generated `taskId`). */
export const addTaskUpdate = defineUpdate<SessionTask, [AddTaskInput]>('addTask');
/** Marks an open task done or cancelled. */
export const completeTaskUpdate = defineUpdate<SessionTask, [CompleteTaskInput]>('completeTask');
/** Hands the session to another agent and returns the context snapshot it needs. */
export const handoffUpdate = defineUpdate<HandoffResult, [HandoffInput]>('handoff');
/** Ends the session: messages persisted, snapshot stored, session memory expired. */
export const endUpdate = defineUpdate<ContextSnapshot, [EndInput]>('end');
/**
 * Waits until the session's row is open in the database (a message can be stored) and answers
 * the live context: what a start or resume waits for before answering.
 */
export const readyUpdate = defineUpdate<SessionContext, []>('ready');
/** The full live context of the session. */
export const contextQuery = defineQuery<SessionContext>('context');
