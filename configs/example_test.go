package configs_test

import (
	"fmt"
	"strings"

	"github.com/hpsearch/hpsearch/configs"
)

func ExampleParse() {
	src := `
data:
  synthetic: {kind: linear, samples: 500}
trainer:
  learnig_rate: 0.1
parameters:
  learning_rate: {log_uniform: [1e-5, 1]}
  batch_size: {choice: [16, 32, 64]}
`
	cfg, err := configs.Parse(strings.NewReader(src), "sweep.yaml", ".", []string{"search.rounds=2"})
	fmt.Println(err)

	src = strings.Replace(src, "learnig_rate", "learning_rate", 1)
	cfg, err = configs.Parse(strings.NewReader(src), "sweep.yaml", ".", []string{"search.rounds=2", "batch_size=32"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg.Name, cfg.Search.Rounds, cfg.Search.TrialsPerRound, cfg.Trainer.BatchSize)
	for _, p := range cfg.Parameters {
		fmt.Println(p.Name, p.Dist, p.Low, p.High)
	}
	// Output:
	// sweep.yaml:5: trainer.learnig_rate: unknown key, did you mean "learning_rate"? (allowed: optimizer, learning_rate, momentum, batch_size, max_iterations, gradient_threshold, patience, min_delta, monitor, time_limit, init, restarts, batch_trials, command, workdir, env, timeout, devices, launcher)
	// sweep 2 24 32
	// learning_rate log_uniform 1e-05 1
}
