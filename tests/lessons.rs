//! Every lesson replayed: from its start state, its reference solutions satisfy each
//! step's goal in order, no goal holds before its step's first command, and each step's
//! plausible wrong answer does not reach its goal. Also the lesson files' shape: both
//! languages everywhere, hints that go somewhere, panels that exist.

use kvlab::engine::{Engine, ManualClock, Reply};
use kvlab::lessons::{self, pipeline, Lang, Lesson, Line, Progress, Seen};

const START_MS: i64 = 1_767_225_600_000;

struct Run {
    engine: Engine,
    clock: ManualClock,
    clients: Vec<u64>,
    progress: Progress,
}

impl Run {
    fn new(lesson: &'static Lesson) -> Run {
        let clock = ManualClock::new(START_MS);
        let mut engine = Engine::new(Box::new(clock.clone()), 7);
        // As in the app, whose engine lets its own tabs run DEBUG (the native default
        // is redis-server's `no`).
        engine
            .core
            .config
            .set_startup("enable-debug-command", "local")
            .expect("enable-debug-command");
        if lesson.cluster {
            engine.restart_in_cluster_mode(true);
        }
        let clients = (1..=lesson.tabs)
            .map(|i| engine.connect(&format!("127.0.0.1:{}", 50000 + i), "127.0.0.1:6379"))
            .collect();
        let mut run = Run {
            engine,
            clock,
            clients,
            progress: Progress::new(lesson),
        };
        for l in &lesson.setup {
            run.line(l);
        }
        run.progress.seen.clear();
        run
    }

    fn line(&mut self, raw: &str) {
        let line = Line::parse(raw).unwrap_or_else(|e| panic!("{}: {e}", self.progress.lesson.id));
        match line {
            Line::Wait(ms) => {
                self.clock.advance(ms);
                self.engine.tick();
                // Lazily expired keys and messages arrive as in the app: collected below.
            }
            Line::Command { tab, text } => {
                let argv = kvlab::console::tokenize(&text)
                    .unwrap_or_else(|e| panic!("{}: '{text}': {e}", self.progress.lesson.id));
                let id = self.clients[tab - 1];
                let reply = self.engine.execute(id, &argv);
                self.progress.observe(Seen::Ran { tab, argv, reply });
            }
            Line::Scan {
                tab,
                pattern,
                count,
            } => {
                let id = self.clients[tab - 1];
                let engine = &mut self.engine;
                let progress = &mut self.progress;
                lessons::scan_all(&pattern, count, 100_000, |argv| {
                    let reply = engine.execute(id, argv);
                    progress.observe(Seen::Ran {
                        tab,
                        argv: argv.to_vec(),
                        reply: reply.clone(),
                    });
                    reply
                });
            }
            Line::Pipeline {
                tab,
                n,
                batch,
                command,
            } => {
                let id = self.clients[tab - 1];
                let engine = &mut self.engine;
                let report =
                    pipeline::run(n, batch, &command, 1.0, |argv| engine.execute(id, argv))
                        .unwrap_or_else(|e| panic!("{}: {e}", self.progress.lesson.id));
                for (k, v) in report.facts() {
                    self.progress.facts.insert(k.to_string(), v);
                }
            }
        }
        for (i, &id) in self.clients.iter().enumerate() {
            for message in self.engine.take_pushes(id) {
                let message = match message {
                    Reply::Seq(v) => v,
                    m => vec![m],
                };
                for m in message {
                    self.progress.observe(Seen::Received {
                        tab: i + 1,
                        message: m,
                    });
                }
            }
        }
    }

    fn holds(&mut self) -> Vec<bool> {
        self.progress.check(&mut self.engine, &self.clients)
    }

    /// Plays the solutions of the steps before `step`, each completing its step.
    fn solve_until(&mut self, step: usize) {
        let lesson = self.progress.lesson;
        for (i, s) in lesson.steps.iter().enumerate().take(step) {
            for l in &s.solution {
                self.line(l);
            }
            let ok = self.holds();
            assert!(
                ok.iter().all(|&b| b),
                "{} step {}: the solution does not meet the goal (checks: {ok:?})",
                lesson.id,
                i + 1
            );
            assert_eq!(
                self.progress.advance(&mut self.engine, &self.clients),
                Some(i)
            );
        }
    }
}

#[test]
fn there_are_lessons_for_the_whole_roadmap() {
    let all = lessons::all();
    assert!(all.len() >= 24, "{} lessons", all.len());
    let mut ids: Vec<&str> = all.iter().map(|l| l.id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), all.len(), "lesson ids are unique");
}

fn hangul(s: &str) -> bool {
    s.chars().any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c))
}

#[test]
fn lesson_files_are_complete_in_both_languages() {
    for l in lessons::all() {
        let mut texts = vec![&l.title, &l.topic, &l.story];
        for s in &l.steps {
            texts.push(&s.task);
            texts.push(&s.done);
            texts.push(&s.goal_text);
            // A hint may be just the command, the same in both languages.
            texts.extend(s.hints.iter().filter(|h| h.en != h.ko));
        }
        for t in texts {
            assert!(!t.en.trim().is_empty(), "{}: an empty English text", l.id);
            assert!(
                hangul(&t.ko),
                "{}: Korean text without Hangul: {:?}",
                l.id,
                t.ko
            );
            assert!(
                !hangul(&t.en),
                "{}: Hangul in the English text: {:?}",
                l.id,
                t.en
            );
        }
        assert!(!l.steps.is_empty(), "{}: no steps", l.id);
        assert!(l.tabs >= 1);
        for (i, s) in l.steps.iter().enumerate() {
            assert!(
                s.hints.len() >= 2,
                "{} step {}: hints go from a nudge to the command",
                l.id,
                i + 1
            );
            assert!(
                !s.solution.is_empty() && !s.wrong.is_empty(),
                "{} step {}",
                l.id,
                i + 1
            );
            assert!(!s.goal.is_empty(), "{} step {}: no goal", l.id, i + 1);
            for p in s.panel.iter().chain(&l.panel) {
                assert!(
                    lessons::PANELS.contains(&p.as_str()),
                    "{}: unknown panel {p}",
                    l.id
                );
            }
            for raw in l.setup.iter().chain(&s.solution).chain(&s.wrong) {
                let line = Line::parse(raw).unwrap_or_else(|e| panic!("{}: {e}", l.id));
                assert!(
                    line.tab().is_none_or(|t| t <= l.tabs),
                    "{}: '{raw}' uses a tab the lesson does not open",
                    l.id
                );
            }
        }
        assert_eq!(Lang::from_tag("ko-KR"), Lang::Ko);
    }
}

#[test]
fn reference_solutions_meet_every_goal_and_wrong_answers_do_not() {
    for lesson in lessons::all() {
        for (i, step) in lesson.steps.iter().enumerate() {
            // Before the step's first command, its goal does not hold yet.
            let mut run = Run::new(lesson);
            run.solve_until(i);
            let before = run.holds();
            assert!(
                !before.iter().all(|&b| b),
                "{} step {}: the goal holds before the step starts",
                lesson.id,
                i + 1
            );
            // The wrong answer does not reach it.
            for l in &step.wrong {
                run.line(l);
            }
            let wrong = run.holds();
            assert!(
                !wrong.iter().all(|&b| b),
                "{} step {}: the wrong answer {:?} meets the goal",
                lesson.id,
                i + 1,
                step.wrong
            );
        }
        // And the solutions, from a fresh start, finish the lesson.
        let mut run = Run::new(lesson);
        run.solve_until(lesson.steps.len());
        assert!(run.progress.finished(), "{}", lesson.id);
    }
}

#[test]
fn lines_parse_as_documented() {
    assert_eq!(
        Line::parse("@2 SET a 1").unwrap(),
        Line::Command {
            tab: 2,
            text: "SET a 1".into()
        }
    );
    assert_eq!(Line::parse("#wait 4000").unwrap(), Line::Wait(4000));
    assert!(Line::parse("#nonsense").is_err());
    assert!(Line::parse("@0 GET a").is_err());
    assert_eq!(
        Line::parse("#pipeline 10 5 INCR c").unwrap(),
        Line::Pipeline {
            tab: 1,
            n: 10,
            batch: 5,
            command: "INCR c".into()
        }
    );
    assert!(pipeline::run(0, 1, "PING", 1.0, |_| Reply::Nil).is_err());
    let r = pipeline::run(1001, 500, "SET k:{i} v", 2.0, |_| {
        Reply::Status("OK".into())
    })
    .unwrap();
    assert_eq!((r.round_trips, r.network_ms), (3, 6.0));
}
