-- Up Migration
-- Similar errors are found by their words as well as by their signature's trigrams: a solution
-- keeps the normalised message it was learned from (or taught for), and its full-text lexemes
-- (English stemming, stop words dropped, so "refused" and "refusing" meet) as an array whose GIN
-- index finds every solution sharing a word with a new error.
alter table knowledge_base
  add column example_message text,
  add column example_lexemes text[] generated always as
    (tsvector_to_array(to_tsvector('english', coalesce(example_message, problem_signature)))) stored;
create index knowledge_base_lexemes on knowledge_base using gin (example_lexemes);

-- Down Migration
drop index knowledge_base_lexemes;
alter table knowledge_base drop column example_lexemes, drop column example_message;
