// Which OpenAI API does the legacy call for a model? Chat Completions for search models, the Responses API otherwise.

/** True when the legacy sends this model to Chat Completions (its name contains "search", any case). */
export function usesChatCompletions(model: string): boolean {
  return model.toLowerCase().includes("search");
}

/** The suffix the legacy appends to a JSON node's prompt on Chat Completions. */
export const CHAT_JSON_SUFFIX =
  "\n\nReturn ONLY valid JSON that matches the expected structure. Do not include markdown or extra text.";
