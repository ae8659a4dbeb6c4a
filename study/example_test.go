package study_test

import (
	"context"
	"fmt"
	"math"

	"github.com/hpsearch/hpsearch/study"
)

// A Go program tunes its own function: no YAML, no trainer.
func ExampleOptimize() {
	space := []study.Param{
		study.Float("x", -5, 5),
		study.LogFloat("learning_rate", 1e-4, 1),
	}
	objective := func(ctx context.Context, t study.Trial) (float64, error) {
		x, _ := t.Float("x")
		lr, _ := t.Float("learning_rate")
		return (x-2)*(x-2) + math.Abs(math.Log10(lr)+2), nil
	}
	out, err := study.Optimize(context.Background(), space, objective,
		study.Options{Strategy: "coarse-to-fine", Rounds: 4, TrialsPerRound: 20, Keep: 0.25, Seed: 7})
	if err != nil {
		fmt.Println(err)
		return
	}
	best, _ := out.Best()
	x, _ := best.Params.Get("x")
	lr, _ := best.Params.Get("learning_rate")
	fmt.Printf("%d trials; best x %.1f, learning rate 1e%.0f\n", len(out.Trials), x, math.Log10(lr.(float64)))
	// Output: 80 trials; best x 1.9, learning rate 1e-2
}

// A caller that runs trials itself asks for each and tells its result.
func ExampleAskTell() {
	s, err := study.NewAskTell([]study.Param{study.Int("layers", 1, 8), study.Choice("activation", "relu", "tanh")},
		study.Options{Trials: 12, Seed: 1, Goal: "maximize"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for {
		t, err := s.Ask()
		if err == study.ErrDone {
			break
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		layers, _ := t.Int("layers")
		act, _ := t.String("activation")
		score := float64(layers)
		if act == "tanh" {
			score += 0.5
		}
		if err := s.Tell(t, score, nil); err != nil {
			fmt.Println(err)
			return
		}
	}
	out := s.Outcome()
	best, _ := out.Best()
	layers, _ := best.Params.Get("layers")
	act, _ := best.Params.Get("activation")
	fmt.Printf("%d trials; best %d layers, %s\n", len(out.Trials), layers, act)
	// Output: 12 trials; best 8 layers, tanh
}
